"""Protocol conformance: Open Inference Protocol v2, MLflow /invocations, plain /predict, and
signature errors (400 with precise messages, never 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "count"]


@pytest.fixture(scope="module")
def server(
    model_registry: Any, launch: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    log_dir = tmp_path_factory.mktemp("predictions")
    srv = launch(model_registry.path, "iris@production", "--log-dir", str(log_dir))
    srv.log_dir = log_dir
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Any) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def oip_columns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name in COLUMNS:
        dtype = "INT64" if name == "count" else "FP64"
        out.append(
            {"name": name, "shape": [len(rows)], "datatype": dtype, "data": [r[name] for r in rows]}
        )
    return out


# -- Open Inference Protocol v2 ------------------------------------------------------------


def test_oip_server_endpoints(client: httpx.Client) -> None:
    meta = client.get("/v2").json()
    assert meta["name"] == "cairn" and meta["version"] and isinstance(meta["extensions"], list)
    assert client.get("/v2/health/live").status_code == 200
    assert client.get("/v2/health/ready").status_code == 200
    assert client.get("/v2/models/iris/ready").status_code == 200
    assert client.get("/v2/models/iris/versions/1/ready").status_code == 200


def test_oip_model_metadata_from_signature(client: httpx.Client) -> None:
    meta = client.get("/v2/models/iris").json()
    assert meta["name"] == "iris"
    assert meta["versions"] == ["1"]
    assert meta["platform"] == "cairn-sklearn"
    inputs = {t["name"]: t for t in meta["inputs"]}
    assert list(inputs) == COLUMNS
    assert inputs["sepal_length"] == {"name": "sepal_length", "datatype": "FP64", "shape": [-1]}
    assert inputs["count"]["datatype"] == "INT64"
    assert meta["outputs"][0]["name"] == "predict"
    assert meta["outputs"][0]["datatype"] == "INT64"
    assert client.get("/v2/models/iris/versions/1").json() == meta


def test_oip_infer_columns(client: httpx.Client, model_registry: Any) -> None:
    rows = model_registry.rows
    body = {"id": "req-42", "inputs": oip_columns(rows)}
    r = client.post("/v2/models/iris/infer", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["model_name"] == "iris"
    assert out["model_version"] == "1"
    assert out["id"] == "req-42"
    (tensor,) = out["outputs"]
    assert tensor["name"] == "predict"
    assert tensor["datatype"] == "INT64"
    assert tensor["shape"] == [len(rows)]
    assert tensor["data"] == model_registry.expected[1]
    assert r.headers["x-cairn-model-version"] == "iris/1"


def test_oip_infer_one_matrix_and_version_path(client: httpx.Client, model_registry: Any) -> None:
    rows = model_registry.rows[:3]
    matrix = [[r[c] for c in COLUMNS] for r in rows]
    body = {
        "inputs": [{"name": "input-0", "shape": [3, 5], "datatype": "FP64", "data": matrix}],
        "outputs": [{"name": "predict"}],
    }
    r = client.post("/v2/models/iris/versions/1/infer", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["outputs"][0]["data"] == model_registry.expected[1][:3]
    assert r.json()["id"]  # a request id is always given back


def test_oip_errors(client: httpx.Client, model_registry: Any) -> None:
    rows = model_registry.rows[:2]
    cases: list[tuple[str, Any, int, str]] = [
        ("/v2/models/nope/infer", {"inputs": oip_columns(rows)}, 404, "'nope' is not served"),
        ("/v2/models/iris/versions/9/infer", {"inputs": oip_columns(rows)}, 404, "version '9'"),
        ("/v2/models/iris/infer", {"inputs": []}, 400, "'inputs' must be a non-empty list"),
        (
            "/v2/models/iris/infer",
            {"inputs": [{"name": "x", "shape": [2], "datatype": "FP99", "data": [1, 2]}]},
            400,
            "unknown datatype 'FP99'",
        ),
        (
            "/v2/models/iris/infer",
            {"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP64", "data": [1, 2]}]},
            400,
            "shape [2, 3] needs 6 values, got 2",
        ),
        (
            "/v2/models/iris/infer",
            {"inputs": oip_columns(rows)[:3]},
            400,
            "'petal_width', 'count' missing",
        ),
        (
            "/v2/models/iris/infer",
            {"inputs": oip_columns(rows), "outputs": [{"name": "proba"}]},
            400,
            "unknown output 'proba'",
        ),
    ]
    for path, body, status, message in cases:
        r = client.post(path, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert set(r.json()) == {"error"}
        assert message in r.json()["error"], r.json()
    bad_type = oip_columns(rows)
    bad_type[0] = {"name": "sepal_length", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}
    r = client.post("/v2/models/iris/infer", json={"inputs": bad_type})
    assert r.status_code == 400
    assert "column 'sepal_length': expected float64, got string" in r.json()["error"]
    r = client.post("/v2/models/iris/infer", content=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = client.get("/v2/models/nope")
    assert r.status_code == 404 and "error" in r.json()


def test_oip_standard_client(server: Any, model_registry: Any) -> None:
    """The standard Triton/KServe V2 HTTP client works unchanged (binary tensors by default)."""
    tritonclient = pytest.importorskip("tritonclient.http")
    import numpy as np

    url = server.url.removeprefix("http://")
    client = tritonclient.InferenceServerClient(url=url)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("iris")
    meta = client.get_model_metadata("iris")
    assert [i["name"] for i in meta["inputs"]] == COLUMNS
    rows = model_registry.rows
    for binary in (True, False):
        inputs = []
        for name in COLUMNS:
            dtype, np_type = ("INT64", np.int64) if name == "count" else ("FP64", np.float64)
            t = tritonclient.InferInput(name, [len(rows)], dtype)
            t.set_data_from_numpy(
                np.array([r[name] for r in rows], dtype=np_type), binary_data=binary
            )
            inputs.append(t)
        outputs = [tritonclient.InferRequestedOutput("predict", binary_data=binary)]
        result = client.infer("iris", inputs, outputs=outputs, request_id="triton-1")
        assert result.as_numpy("predict").tolist() == model_registry.expected[1]
        response = result.get_response()
        assert response["model_version"] == "1" and response["id"] == "triton-1"


# -- MLflow --------------------------------------------------------------------------------


def test_mlflow_invocations_formats(client: httpx.Client, model_registry: Any) -> None:
    rows = model_registry.rows
    expected = model_registry.expected[1]
    split = {"columns": COLUMNS, "data": [[r[c] for c in COLUMNS] for r in rows]}
    bodies = [
        {"dataframe_split": split},
        {"dataframe_records": rows},
        {"instances": rows},
        {"inputs": rows},
        {"inputs": {c: [r[c] for r in rows] for c in COLUMNS}},
        {"instances": split["data"]},
    ]
    for body in bodies:
        r = client.post("/invocations", json=body)
        assert r.status_code == 200, (body, r.text)
        assert r.json() == {"predictions": expected}
        assert r.headers["x-cairn-model-version"] == "iris/1"
    csv = ",".join(COLUMNS) + "\n" + "\n".join(",".join(str(r[c]) for c in COLUMNS) for r in rows)
    r = client.post("/invocations", content=csv, headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json() == {"predictions": expected}


def test_mlflow_errors_and_health(client: httpx.Client, model_registry: Any) -> None:
    r = client.post("/invocations", json={"rows": []})
    assert r.status_code == 400
    assert r.json()["error_code"] == "BAD_REQUEST"
    assert "exactly one of dataframe_split" in r.json()["message"]
    r = client.post("/invocations", json={"dataframe_records": [{"sepal_length": 1.0}]})
    assert r.status_code == 400 and "missing" in r.json()["message"]
    r = client.post("/invocations", content=b"x", headers={"content-type": "application/xml"})
    assert r.status_code == 400 and "not supported" in r.json()["message"]
    assert client.get("/ping").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/version").text


# -- plain ---------------------------------------------------------------------------------


def test_plain_predict(client: httpx.Client, model_registry: Any) -> None:
    rows = model_registry.rows
    r = client.post("/predict", json=rows, headers={"x-request-id": "abc"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "iris" and body["version"] == 1 and body["request_id"] == "abc"
    assert body["predictions"] == model_registry.expected[1]
    one = client.post("/predict/iris", json=rows[0]).json()
    assert one["predictions"] == model_registry.expected[1][:1]
    bad = dict(rows[0], count="many")
    r = client.post("/predict", json=[bad])
    assert r.status_code == 400
    assert "column 'count': expected int64, got string" in r.json()["error"]
    r = client.post("/predict", json="hello")
    assert r.status_code == 400 and "JSON records" in r.json()["error"]


def test_status_endpoint(client: httpx.Client) -> None:
    status = client.get("/cairn/status").json()
    assert status["ready"] is True
    (slot,) = status["slots"]
    assert slot["ref"] == "iris@production" and slot["serving_version"] == 1


def test_odd_bodies_are_client_errors_never_500(client: httpx.Client) -> None:
    one = {"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}
    odd: list[tuple[str, Any]] = [
        ("/predict", [{}]),
        ("/predict", [{"sepal_length": None}]),
        ("/predict", [{"sepal_length": [1, 2], "count": {"a": 1}}]),
        ("/predict", {"records": "nope"}),
        ("/invocations", {"instances": [1, 2, 3]}),
        ("/invocations", {"instances": "text"}),
        ("/invocations", {"inputs": {"sepal_length": [1, 2], "count": [1]}}),
        ("/invocations", {"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}),
        ("/invocations", {"dataframe_split": {"columns": [1], "data": [[1]]}}),
        ("/invocations", {"dataframe_records": [1, 2]}),
        ("/invocations", [1, 2]),
        ("/v2/models/iris/infer", {"inputs": [one, one]}),
        ("/v2/models/iris/infer", {"inputs": [{**one, "shape": [-1]}]}),
        ("/v2/models/iris/infer", {"inputs": [{**one, "data": [[[["deep"]]]]}]}),
        ("/v2/models/iris/infer", {"inputs": [{**one, "datatype": "BYTES", "data": [b"x".hex()]}]}),
        ("/v2/models/iris/infer", {"inputs": [one], "outputs": "all"}),
        ("/v2/models/iris/infer", {"id": 5, "inputs": [one]}),
        ("/v2/models/iris/infer", []),
        ("/feedback", {"request_id": 1}),
    ]
    for path, body in odd:
        r = client.post(path, json=body)
        assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/json")
    r = client.post(
        "/v2/models/iris/infer", content=b"{}", headers={"inference-header-content-length": "x"}
    )
    assert r.status_code == 400
    r = client.post("/invocations", content=b"a,b\n1", headers={"content-type": "text/csv"})
    assert 400 <= r.status_code < 500
