"""Authentication and authorization: every route, every role, tokens, login limits."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from cairn.governance.roles import Role
from cairn.governance.schema import tokens
from cairn.remote import RemoteRegistry

from .conftest import Api

PUBLIC = {"/api/v1/login"}


def _routes(api: Api) -> list[tuple[str, str]]:
    paths = api.app.openapi()["paths"]
    return [
        (method.upper(), path)
        for path, item in paths.items()
        if path.startswith("/api/v1")
        for method in item
    ]


def _fill(path: str) -> str:
    values = {"model": "m", "number": "1", "alias": "prod", "user": "bob", "name": "bob"}

    def sub(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        if name == "digest":
            return "blake3:" + "0" * 64
        if name == "path":
            return "weights.bin"
        return values.get(name, "1")

    return re.sub(r"\{([^}]+)\}", sub, path)


def test_no_route_answers_without_a_valid_token(api: Api) -> None:
    routes = _routes(api)
    assert len(routes) > 40
    for method, path in routes:
        if path in PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer cairn_pat_" + "x" * 43}):
            answer = api.client.request(method, _fill(path), headers=headers, json={})
            assert answer.status_code == 401, (method, path, answer.text)
            assert answer.json()["code"] == "unauthenticated"
            assert "Traceback" not in answer.text


def _log(remote: RemoteRegistry, folder: Path, model: str) -> int:
    return remote.log(folder, model=model).number


def _remote(api: Api, token: str) -> RemoteRegistry:
    return RemoteRegistry("http://testserver", token=token, client=api.client)


def test_roles_allow_only_what_they_name(api: Api, artifact: Path) -> None:
    admin = _remote(api, api.admin_token)
    admin.log(artifact, model="a")
    admin.log(artifact, model="b")
    viewer = api.user("vera", {"a": Role.viewer})
    user = api.user("ursula", {"a": Role.user})
    contributor = api.user("carl", {"a": Role.contributor})
    maintainer = api.user("mae", {"a": Role.maintainer})
    c = api.client

    def status(method: str, path: str, token: str, **kw: object) -> int:
        return c.request(method, path, headers=api.as_(token), **kw).status_code  # type: ignore[arg-type]

    # A viewer reads metadata, but cannot download or log.
    assert status("GET", "/api/v1/models/a/versions", viewer) == 200
    digest = admin.resolve("a/1").digest
    assert status("GET", f"/api/v1/artifacts/{digest}/manifest", viewer) == 403
    assert status("POST", "/api/v1/chunks/missing?model=a", viewer, json={"ids": []}) == 403
    body = {"digest": digest}
    assert status("POST", "/api/v1/models/a/versions", viewer, json=body) == 403
    # A user downloads, but cannot log.
    assert status("GET", f"/api/v1/artifacts/{digest}/manifest", user) == 200
    assert status("POST", "/api/v1/models/a/versions", user, json=body) == 403
    # A contributor logs, but cannot move aliases or archive.
    assert status("POST", "/api/v1/models/a/versions", contributor, json=body) == 201
    alias = {"version": 1}
    assert status("PUT", "/api/v1/models/a/aliases/production", contributor, json=alias) == 403
    assert status("POST", "/api/v1/models/a/versions/1/archive", contributor) == 403
    # A maintainer moves aliases and manages roles, but is not an admin.
    assert status("PUT", "/api/v1/models/a/aliases/production", maintainer, json=alias) == 200
    grant = {"role": "viewer"}
    assert status("PUT", "/api/v1/models/a/permissions/vera", maintainer, json=grant) == 200
    assert status("GET", "/api/v1/users", maintainer) == 403
    assert status("POST", "/api/v1/admin/gc", maintainer, json={}) == 403
    # Nobody with a role on a only can touch b.
    for token in (viewer, user, contributor, maintainer):
        assert status("GET", "/api/v1/models/b", token) == 403
        assert status("GET", "/api/v1/resolve?ref=b/1", token) == 403
        found = c.get("/api/v1/search", headers=api.as_(token)).json()["items"]
        assert {v["model"] for v in found} == {"a"}
        events = c.get("/api/v1/events", headers=api.as_(token)).json()
        assert all(not e["subject"].startswith("b") for e in events)


def test_events_record_the_real_actor(api: Api, artifact: Path) -> None:
    token = api.user("carl", {"m": Role.maintainer})
    carl = _remote(api, token)
    carl.log(artifact, model="m")
    carl.set_alias("m", "production", 1)
    assert carl.actor == "carl"
    mine = [e for e in carl.events() if e.subject.startswith("m")]
    assert mine and {e.actor for e in mine} == {"carl"}
    assert carl.resolve("m/1").author == "carl"


def test_revoked_and_expired_tokens_are_refused(api: Api) -> None:
    token = api.user("ursula", {"*": Role.viewer})
    headers = api.as_(token)
    assert api.client.get("/api/v1/whoami", headers=headers).status_code == 200
    info = api.client.get("/api/v1/tokens", headers=headers).json()[0]
    assert api.client.delete(f"/api/v1/tokens/{info['id']}", headers=headers).status_code == 200
    assert api.client.get("/api/v1/whoami", headers=headers).status_code == 401

    second = api.accounts.create_token("ursula")[0]
    with api.registry.catalog.engine.begin() as conn:
        conn.execute(tokens.update().where(tokens.c.hint == second[-4:]).values(expires=1))
    assert api.client.get("/api/v1/whoami", headers=api.as_(second)).status_code == 401


def test_tokens_are_stored_only_as_keyed_hashes(api: Api) -> None:
    token = api.user("ursula")
    assert token.startswith("cairn_pat_")
    with api.registry.catalog.engine.connect() as conn:
        stored = [tuple(str(v) for v in row) for row in conn.execute(sa.select(tokens))]
    assert stored and not any(token in value for row in stored for value in row)
    listed = api.client.get("/api/v1/tokens", headers=api.as_(token)).text
    assert token not in listed


def test_scopes_limit_a_token(api: Api, artifact: Path) -> None:
    token = api.user("reader", {"m": Role.maintainer}, scopes=["read"])
    _remote(api, api.admin_token).log(artifact, model="m")
    headers = api.as_(token)
    assert api.client.get("/api/v1/models/m", headers=headers).status_code == 200
    answer = api.client.put(
        "/api/v1/models/m/aliases/production", headers=headers, json={"version": 1}
    )
    assert answer.status_code == 403 and "scope" in answer.json()["message"]


def test_login_gives_a_token_and_failures_are_rate_limited(api: Api) -> None:
    api.user("bob")
    good = {"username": "bob", "password": "password-bob"}
    answer = api.client.post("/api/v1/login", json=good)
    assert answer.status_code == 201 and answer.json()["token"].startswith("cairn_pat_")
    for _ in range(5):
        bad = api.client.post("/api/v1/login", json={**good, "password": "wrong-password"})
        assert bad.status_code == 401
    blocked = api.client.post("/api/v1/login", json=good)
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"


def test_admin_creates_users_and_grants(api: Api) -> None:
    headers = api.as_(api.admin_token)
    made = api.client.post("/api/v1/users", headers=headers, json={"name": "zed"})
    assert made.status_code == 201
    granted = api.client.put(
        "/api/v1/models/m/permissions/zed", headers=headers, json={"role": "contributor"}
    )
    assert granted.json()["zed"] == "contributor"
    assert api.client.get("/api/v1/users/zed", headers=headers).json()["roles"] == {
        "m": "contributor"
    }
