"""Safety limits: body sizes, artifact paths, error bodies, CORS, request ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.remote import RemoteRegistry
from cairn.remote.wire import CHUNK_PACK_TYPE, encode_frame

from .conftest import Api


def test_oversized_bodies_are_refused_with_413(api: Api) -> None:
    headers = api.as_(api.admin_token)
    big = b"x" * (5 * 1024 * 1024)
    answer = api.client.post(
        "/api/v1/models", headers={**headers, "Content-Type": "application/json"}, content=big
    )
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"


def test_upload_limit_applies_to_chunk_batches(
    make_api: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAIRN_MAX_REQUEST_BYTES", "100000")
    api: Api = make_api()  # type: ignore[operator]
    frame = encode_frame("blake3:" + "0" * 64, b"y" * 200_000)
    answer = api.client.post(
        "/api/v1/chunks?model=m",
        headers={**api.as_(api.admin_token), "Content-Type": CHUNK_PACK_TYPE},
        content=frame,
    )
    assert answer.status_code == 413


def test_a_chunk_that_does_not_match_its_id_is_refused(api: Api) -> None:
    frame = encode_frame("blake3:" + "0" * 64, b"not those bytes")
    answer = api.client.post(
        "/api/v1/chunks?model=m",
        headers={**api.as_(api.admin_token), "Content-Type": CHUNK_PACK_TYPE},
        content=frame,
    )
    assert answer.status_code == 400 and "Traceback" not in answer.text


@pytest.mark.parametrize(
    "trick",
    [
        "../etc/passwd",
        "%2e%2e/%2e%2e/etc/passwd",
        "..%2fsecret",
        "%2fetc%2fpasswd",
        "a/..%5c..%5cb",
        "weights.bin%23.json",
        "a/%252e%252e/b",
    ],
)
def test_artifact_paths_cannot_escape(api: Api, artifact: Path, trick: str) -> None:
    remote = RemoteRegistry("http://testserver", token=api.admin_token, client=api.client)
    digest = remote.log(artifact, model="m").digest
    answer = api.client.get(
        f"/api/v1/artifacts/{digest}/files/{trick}", headers=api.as_(api.admin_token)
    )
    assert answer.status_code in (400, 404), answer.text
    assert answer.json()["code"] in ("invalid_path", "not_found")
    assert "root:" not in answer.text


def test_ranged_reads_return_the_bytes_asked_for(api: Api, artifact: Path) -> None:
    remote = RemoteRegistry("http://testserver", token=api.admin_token, client=api.client)
    remote.log(artifact, model="m")
    whole = (artifact / "weights.bin").read_bytes()
    assert remote.read_file("m/1", "weights.bin", 70_000, 200_123) == whole[70_000:200_123]
    assert remote.read_file("m/1", "weights.bin") == whole


def test_a_manifest_naming_unsafe_paths_is_refused(api: Api) -> None:
    manifest = (
        b'{"files":[{"chunks":[],"digest":"blake3:' + b"0" * 64 + b'","mode":420,'
        b'"path":"../../x","size":0}],"format":"cairn.manifest/1"}'
    )
    answer = api.client.put(
        "/api/v1/manifests?model=m", headers=api.as_(api.admin_token), content=manifest
    )
    assert answer.status_code == 400 and answer.json()["code"] in ("invalid_path", "invalid_input")


def test_errors_are_json_without_traces_and_carry_a_request_id(api: Api) -> None:
    headers = {**api.as_(api.admin_token), "X-Request-ID": "abc-123"}
    answer = api.client.get("/api/v1/models/nope", headers=headers)
    assert answer.status_code == 404
    assert set(answer.json()) == {"code", "message", "hint"}
    assert answer.headers["x-request-id"] == "abc-123"
    unknown = api.client.get("/api/v1/no/such/route", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    invalid = api.client.get("/api/v1/search?limit=0", headers=headers)
    assert invalid.status_code == 400 and invalid.json()["code"] == "invalid_input"


def test_cors_is_off_by_default(api: Api) -> None:
    answer = api.client.options(
        "/api/v1/models",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in answer.headers


def test_health_and_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json()["status"] == "ready"
    spec = api.client.get("/openapi.json").json()
    assert "/api/v1/models/{model}/versions" in spec["paths"]


def test_an_unexpected_failure_is_a_json_500_without_a_trace(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals at /srv/cairn/catalog.db")

    monkeypatch.setattr(api.registry.catalog, "get_model", broken)
    answer = api.client.get("/api/v1/models/m", headers=api.as_(api.admin_token))
    assert answer.status_code == 500
    body = answer.json()
    assert body["code"] == "error" and "request" in body["message"]
    assert "secret" not in answer.text and "Traceback" not in answer.text
