"""The server's commands: admin bootstrap, login, tokens and webhooks from the CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import cairn
from cairn.registry import Registry

from .conftest import start_server


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cairn", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bootstrap_login_tokens_and_webhooks(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    reg = cairn.open(folder)
    assert isinstance(reg, Registry)
    reg.close()
    env = {**os.environ, "CAIRN_HOME": str(tmp_path / "home")}
    env.pop("CAIRN_ADMIN_PASSWORD", None)

    # No default password: without a prompt answer or the variable, no user is made.
    refused = _cli(
        env, "--registry", str(folder), "admin", "create-user", "root", "--role", "admin"
    )
    assert refused.returncode != 0
    made = _cli(
        {**env, "CAIRN_ADMIN_PASSWORD": "s3cret-enough"},
        *("--registry", str(folder), "admin", "create-user", "root", "--role", "admin"),
    )
    assert made.returncode == 0, made.stderr
    viewer = _cli(
        {**env, "CAIRN_ADMIN_PASSWORD": "viewer-password"},
        *("--registry", str(folder), "admin", "create-user", "vic", "--role", "viewer"),
        *("--model", "m"),
    )
    assert viewer.returncode == 0, viewer.stderr

    server = start_server(str(folder), tmp_path / "server.log", {"CAIRN_HOME": env["CAIRN_HOME"]})
    try:
        remote = {**env, "CAIRN_REGISTRY": server.url}
        bad = _cli({**remote, "CAIRN_PASSWORD": "wrong-password"}, "login", "--user", "root")
        assert bad.returncode == 7 and "Traceback" not in bad.stderr
        good = _cli({**remote, "CAIRN_PASSWORD": "s3cret-enough"}, "login", "--user", "root")
        assert good.returncode == 0, good.stderr
        saved = Path(env["CAIRN_HOME"]) / "credentials.json"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600

        made_token = _cli(remote, "token", "create", "--label", "ci")
        assert made_token.returncode == 0 and made_token.stdout.startswith("cairn_pat_")
        listed = _cli(remote, "token", "list", "--json")
        assert listed.returncode == 0 and "ci" in listed.stdout
        assert made_token.stdout.strip() not in listed.stdout

        hook = _cli(remote, "webhook", "add", "http://127.0.0.1:9/hook", "--event", "alias.*")
        assert hook.returncode == 0 and hook.stdout.startswith("whsec_"), hook.stderr
        assert "127.0.0.1:9" in _cli(remote, "webhook", "list", "--json").stdout

        # The viewer may read model m but not log to it.
        art = tmp_path / "art"
        art.mkdir()
        (art / "w.bin").write_bytes(b"w" * 1000)
        assert _cli(remote, "log", str(art), "--model", "m").returncode == 0
        viewer_env = {**env, "CAIRN_REGISTRY": server.url, "CAIRN_HOME": str(tmp_path / "vhome")}
        login = _cli({**viewer_env, "CAIRN_PASSWORD": "viewer-password"}, "login", "--user", "vic")
        assert login.returncode == 0, login.stderr
        assert _cli(viewer_env, "show", "m/1").returncode == 0
        denied = _cli(viewer_env, "log", str(art), "--model", "m")
        assert denied.returncode == 7 and "may not" in denied.stderr
    finally:
        server.stop()
    assert "AUTHENTICATION IS OFF" not in server.log.read_text()


def test_no_auth_is_announced_loudly(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    env = {"CAIRN_HOME": str(tmp_path / "home")}
    server = start_server(str(folder), tmp_path / "server.log", env, ("--no-auth",))
    try:
        import httpx

        answer = httpx.get(server.url + "/api/v1/whoami", headers={"X-Cairn-Actor": "demo"})
        assert answer.json()["name"] == "demo" and answer.json()["admin"] is True
    finally:
        server.stop()
    assert "AUTHENTICATION IS OFF" in server.log.read_text()
