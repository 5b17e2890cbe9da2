"""End to end through the registry: log_model, aliases, load_model, and the CLI commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from tests.flavors import malicious

import cairn
from cairn.errors import SchemaMismatch, UnsafeModel


@pytest.fixture
def reg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CAIRN_USER", "dana")
    registry = cairn.open(tmp_path / "registry")
    yield registry
    registry.close()


@pytest.fixture
def logged(reg: Any, iris: tuple[Any, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = iris
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    v = reg.log_model(model, name="iris", input_example=X.head(5), metrics={"acc": 0.97})
    reg.set_alias("iris", "production", v.number)
    return model, v


def test_log_and_load_by_alias(reg: Any, logged: Any, iris: tuple[Any, Any]) -> None:
    model, v = logged
    X, _ = iris
    assert v.flavor == "sklearn" and v.meta["safety"]["safe"] is True
    assert v.meta["signature"]["inputs"]["type"] == "dataframe"
    predictor = reg.load_model("iris@production")
    np.testing.assert_array_equal(predictor.predict(X), model.predict(X))
    np.testing.assert_array_equal(predictor.predict(X.to_dict("records")), model.predict(X))
    with pytest.raises(SchemaMismatch, match="column 'sepal_length': expected float64, got string"):
        predictor.predict([{**X.iloc[0].to_dict(), "sepal_length": "long"}])


def test_malicious_pickle_refused_through_the_registry(reg: Any, tmp_path: Path) -> None:
    source = tmp_path / "evil.pkl"
    source.write_bytes(malicious.VIA_IMPORTLIB)
    with pytest.raises(UnsafeModel):
        reg.log_model(source, name="evil", unsafe=True, flavor="pickle")


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, str]:
    from cairn.cli.main import run

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["cairn", *args])
    code = 0
    try:
        run()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 0
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_REGISTRY", str(tmp_path / "registry"))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.usefixtures("cli_env")
def test_cli_predict_env_diff_and_package(
    logged: Any,
    iris: tuple[Any, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model, _ = logged
    X, _ = iris
    rows = X.head(4)
    expected = model.predict(rows).tolist()
    files = {
        "in.json": lambda p: p.write_text(json.dumps(rows.to_dict("records"))),
        "in.csv": lambda p: rows.to_csv(p, index=False),
        "in.parquet": lambda p: rows.to_parquet(p),
    }
    for name, write in files.items():
        path = tmp_path / name
        write(path)
        code, out = _run(
            ["predict", "iris@production", "--input", str(path), "--json"], monkeypatch, capsys
        )
        assert code == 0, out
        assert json.loads(out)["predictions"] == expected

    code, out = _run(["env", "diff", "iris@production", "--json"], monkeypatch, capsys)
    assert code == 0, out
    report = json.loads(out)
    assert report["verdict"] == "match"
    assert any(p["name"] == "scikit-learn" and p["required"] for p in report["packages"])
    code, out = _run(["env", "diff", "iris@production"], monkeypatch, capsys)
    assert code == 0 and "match" in out

    ctx, manifests = tmp_path / "ctx", tmp_path / "k8s"
    code, out = _run(
        ["package", "iris@production", "--docker", str(ctx), "--k8s", str(manifests),
         "--image", "registry.local/iris:1"],
        monkeypatch, capsys,
    )  # fmt: skip
    assert code == 0, out
    dockerfile = (ctx / "Dockerfile").read_text()
    assert '["cairn", "serve", "iris@production"' in dockerfile
    # the included export is a working registry that holds the version under the same alias
    exported = cairn.open(ctx / "registry", create=False)
    try:
        served = exported.load_model("iris@production")
        np.testing.assert_array_equal(served.predict(rows), expected)
    finally:
        exported.close()
    [deployment] = yaml.safe_load_all((manifests / "deployment.yaml").read_text())
    assert (
        deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/iris:1"
    )


@pytest.mark.usefixtures("cli_env")
def test_cli_errors_are_one_line(
    logged: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"sepal_length": "x"}]))
    code, out = _run(["predict", "iris@production", "--input", str(bad)], monkeypatch, capsys)
    assert code == 2 and "missing" in out and "Traceback" not in out
    code, out = _run(["package", "iris@production"], monkeypatch, capsys)
    assert code == 2 and "--docker" in out


@pytest.mark.usefixtures("cli_env")
def test_cli_predict_through_the_onnx_export(
    reg: Any,
    iris: tuple[Any, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("skl2onnx")
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X.to_numpy(), y)
    reg.log_model(model, name="tree", input_example=X.to_numpy()[:3], onnx=True)
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(X.to_numpy()[:6].tolist()))
    for extra in ([], ["--onnx"]):
        code, out = _run(
            ["predict", "tree/latest", "--input", str(path), "--json", *extra], monkeypatch, capsys
        )
        assert code == 0, out
        assert json.loads(out)["predictions"] == model.predict(X.to_numpy()[:6]).tolist()


def test_default_registry_functions_log_and_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cairn.log_model`` / ``cairn.load_model`` use CAIRN_REGISTRY like the CLI."""
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    import cairn

    monkeypatch.setenv("CAIRN_REGISTRY", str(tmp_path / "default"))
    x, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    v = cairn.log_model(tree, name="iris-tree", input_example=x[:3])
    assert v.ref == "iris-tree/1" and v.flavor == "sklearn"
    predictor = cairn.load_model("iris-tree/latest")
    assert list(predictor.predict(x[:20])) == list(tree.predict(x[:20]))
