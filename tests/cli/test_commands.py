"""The command line over the registry: every command, --json, errors and exit codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]


def test_log_show_versions_and_models(cli: Cli, model_dir: Path) -> None:
    r = cli(
        "log",
        str(model_dir),
        "--model",
        "fraud",
        "--param",
        "depth=4",
        "--param",
        "kind=tree",
        "--metric",
        "auc=0.91",
        "--tag",
        "team=risk",
        "-m",
        "first",
        "--json",
    )
    assert r.code == 0, r.err
    v = r.json()["version"]
    assert v["number"] == 1 and v["params"] == {"depth": 4, "kind": "tree"}
    assert v["metrics"] == {"auc": 0.91} and v["author"] == "carol"
    shown = cli("show", "fraud/1", "--json").json()
    assert shown["digest"] == v["digest"]
    assert "fraud/1" in cli("show", "fraud/1").out
    listed = cli("versions", "fraud", "--json").json()
    assert [x["number"] for x in listed["items"]] == [1]
    assert cli("models", "--json").json()["items"][0]["name"] == "fraud"
    assert "fraud" in cli("models").out


def test_alias_rollback_and_history(cli: Cli, model_dir: Path) -> None:
    cli("log", str(model_dir), "--model", "m")
    (model_dir / "config.json").write_text("{}")
    cli("log", str(model_dir), "--model", "m")
    assert cli("alias", "set", "m/1", "production").code == 0
    assert cli("alias", "set", "m/2", "production", "--reason", "better").code == 0
    r = cli("rollback", "m@production", "--json")
    assert r.code == 0 and r.json()["to_version"] == 1
    moves = cli("alias", "history", "m@production", "--json").json()
    assert [(x["from_version"], x["to_version"]) for x in moves] == [(2, 1), (1, 2), (None, 1)]
    assert cli("show", "m@production", "--json").json()["number"] == 1
    assert cli("alias", "rm", "m@production").code == 0
    assert cli("show", "m@production").code == 3


def test_compare_and_set_conflict_exit_code(cli: Cli, model_dir: Path) -> None:
    cli("log", str(model_dir), "--model", "m")
    cli("alias", "set", "m/1", "production")
    r = cli("alias", "set", "m/1", "production", "--expect", "none")
    assert r.code == 4 and "error:" in r.err


def test_diff_compare_search(cli: Cli, model_dir: Path) -> None:
    cli("log", str(model_dir), "--model", "m", "--metric", "auc=0.9", "--param", "depth=4")
    (model_dir / "config.json").write_text('{"layers": 4}')
    cli(
        "log",
        str(model_dir),
        "--model",
        "m",
        "--metric",
        "auc=0.95",
        "--param",
        "depth=6",
        "--parent",
        "m/1",
    )
    d = cli("diff", "m/1", "m/2", "--json").json()
    assert d["metrics"][0]["key"] == "auc" and d["files"][0]["path"] == "config.json"
    assert "auc" in cli("diff", "m/1", "m/2").out
    c = cli("compare", "m/1", "m/2", "--json").json()
    assert [row["metrics.auc"] for row in c["rows"]] == [0.9, 0.95]
    s = cli("search", "metrics.auc > 0.92", "--json").json()
    assert [x["number"] for x in s["items"]] == [2]


def test_get_archive_delete_gc_fsck_audit(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    cli("log", str(model_dir), "--model", "m")
    dest = tmp_path / "out"
    assert cli("get", "m/1", str(dest)).code == 0
    assert (dest / "config.json").read_text() == '{"layers": 3}'
    assert cli("archive", "m/1", "--json").json()["status"] == "archived"
    assert cli("delete", "m/1").code == 0
    assert cli("gc", "--grace", "0").code == 0
    assert cli("fsck").code == 0
    events = cli("audit", "log", "--json").json()
    assert {"version.create", "version.archive", "version.delete", "version.purge"} <= {
        e["action"] for e in events
    }
    assert cli("audit", "verify").code == 0


def test_push_and_pull_between_registries(cli: Cli, model_dir: Path, tmp_path: Path) -> None:
    cli("log", str(model_dir), "--model", "m")
    other = tmp_path / "other"
    r = cli("push", "m/1", "--to", str(other), "--json")
    assert r.code == 0, r.err
    assert r.json()["stats"]["bytes_sent"] > 0
    again = cli("push", "m/1", "--to", str(other), "--json").json()
    assert again["stats"]["bytes_sent"] == 0
    assert cli("-r", str(other), "versions", "m", "--json").json()["items"][0]["number"] == 2
    pulled = cli("-r", str(tmp_path / "third"), "pull", "m/1", "--from", str(other), "--json")
    assert pulled.code == 0 and pulled.json()["to"] == "m/1"


def test_errors_are_one_line_with_a_hint_and_debug_shows_traceback(cli: Cli) -> None:
    r = cli("show", "nothing/1")
    assert r.code == 3
    assert r.err.strip().count("\n") == 0 and "error:" in r.err and ";" in r.err
    r = cli("log", "/definitely/not/here", "--model", "m")
    assert r.code != 0 and "Traceback" not in r.err


def test_bad_key_value_options_are_explained(cli: Cli, model_dir: Path) -> None:
    r = cli("log", str(model_dir), "--model", "m", "--metric", "auc=high")
    assert r.code == 2 and "not a number" in r.err


def test_help_runs_as_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cairn", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    for command in ("log", "versions", "alias", "rollback", "diff", "search", "audit", "push"):
        assert command in done.stdout
