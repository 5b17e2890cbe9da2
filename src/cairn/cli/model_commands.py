"""Commands on model contents: ``cairn env diff``, ``cairn package``, ``cairn predict``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cairn.cli.main import State, open_registry_from
from cairn.cli.output import console, print_json, print_table
from cairn.errors import EnvironmentMismatch, FlavorError, InvalidInput

if TYPE_CHECKING:
    from cairn.catalog.records import VersionRecord

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

env_app = typer.Typer(help="Compare environments with the one a version was logged in.")


def _flavored(v: VersionRecord) -> dict[str, Any]:
    if not v.meta.get("flavor"):
        raise FlavorError(
            f"{v.ref} was logged as plain files, without a flavor",
            "log models with log_model() to record their environment",
        )
    return dict(v.meta)


@env_app.command("diff")
def env_diff(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The version: name@alias, name/3, name/latest.")],
    check: Annotated[
        bool, typer.Option("--check", help="Exit with an error (code 1) on a mismatch.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """How this environment differs from the one REF was logged in (the packages it needs)."""
    from cairn.environment import diff_environment

    v = open_registry_from(ctx).resolve(ref)
    diff = diff_environment(_flavored(v))
    if json_out:
        print_json({"ref": v.ref, **diff.to_dict()})
    else:
        rows = [
            [p.name, p.recorded or "", p.current or "", p.status, "yes" if p.required else "dep"]
            for p in diff.packages
            if p.status != "same" or p.required
        ]
        rows.insert(0, ["python", diff.python_recorded or "", diff.python_current, "", ""])
        print_table(["package", "recorded", "here", "status", "required"], rows, title=v.ref)
        style = {"match": "green", "compatible": "yellow", "mismatch": "red"}[diff.verdict]
        console.print(f"[{style}]{diff.summary()}[/]")
    if check and diff.verdict == "mismatch":
        raise EnvironmentMismatch(diff.summary().split("; fix:")[0], f"run: {diff.fix}")


def _export(reg: Any, ref: str, folder: Path) -> str:
    """Copy the version into a new local registry at ``folder``; the ref to serve there."""
    from cairn.refs import parse_ref
    from cairn.registry import open_registry

    parsed = parse_ref(ref)
    export = open_registry(folder)
    try:
        copied, _ = reg.push(ref, export)
        if parsed.kind == "alias":
            export.set_alias(copied.model, parsed.value, copied.number, reason="cairn package")
            return ref
        return f"{copied.model}/{copied.number}"
    finally:
        export.close()


def package(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The version to package: name@alias, name/3.")],
    docker: Annotated[
        Path | None, typer.Option("--docker", help="Write a Docker build context into DIR.")
    ] = None,
    k8s: Annotated[
        Path | None, typer.Option("--k8s", help="Write Kubernetes manifests into DIR.")
    ] = None,
    image: Annotated[
        str | None, typer.Option("--image", help="Image for the manifests (default: name:N).")
    ] = None,
    pull: Annotated[
        bool,
        typer.Option("--pull", help="Leave the model out of the image: pull it at start."),
    ] = False,
    port: Annotated[int, typer.Option(help="Port the server listens on.")] = 8080,
    json_out: JsonOpt = False,
) -> None:
    """Package REF to run elsewhere: a Docker build context (the model included as a local
    registry export, unless --pull) and/or Kubernetes + KServe manifests."""
    from cairn.environment.packaging import write_docker, write_k8s
    from cairn.environment.packaging.k8s import k8s_name

    if docker is None and k8s is None:
        raise InvalidInput("nothing to write", "pass --docker DIR and/or --k8s DIR")
    reg = open_registry_from(ctx)
    v = reg.resolve(ref)
    meta = _flavored(v)
    written: list[Path] = []
    serve_ref = ref
    if docker is not None:
        if pull:
            state: State = ctx.ensure_object(State)
            from cairn.settings import load

            uri = state.registry_uri or load().default_registry
            written += write_docker(docker, model_ref=ref, meta=meta, registry_uri=uri, port=port)
        else:
            with tempfile.TemporaryDirectory(prefix="cairn-export-") as tmp:
                serve_ref = _export(reg, ref, Path(tmp) / "registry")
                written += write_docker(
                    docker, model_ref=serve_ref, meta=meta, artifact_dir=Path(tmp) / "registry",
                    port=port,
                )  # fmt: skip
    if k8s is not None:
        tag = image or f"{k8s_name(v.model)}:{v.number}"
        written += write_k8s(k8s, name=v.model, image=tag, model_ref=serve_ref, port=port)
    if json_out:
        print_json({"ref": v.ref, "serves": serve_ref, "files": [str(p) for p in written]})
        return
    for path in written:
        console.print(str(path))
    if docker is not None:
        console.print(f"build it: docker build -t {k8s_name(v.model)}:{v.number} {docker}")


def _read_input(path: Path) -> Any:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist", "pass a JSON, CSV or Parquet file")
    if suffix == ".csv":
        import pandas as pd

        return pd.read_csv(path)
    if suffix in (".parquet", ".pq"):
        import pandas as pd

        return pd.read_parquet(path)
    if suffix in (".json", ".jsonl"):
        text = path.read_text()
        if suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        doc = json.loads(text)
        if isinstance(doc, dict) and "columns" in doc and "data" in doc:
            import pandas as pd

            return pd.DataFrame(doc["data"], columns=doc["columns"])
        if isinstance(doc, dict) and "inputs" in doc:
            return doc["inputs"]
        if isinstance(doc, dict) and "instances" in doc:
            return doc["instances"]
        return doc
    raise InvalidInput(f"cannot read {path.name}", "use a .json, .jsonl, .csv or .parquet file")


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return value.to_dict("records")
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def predict(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The version: name@alias, name/3, name/latest.")],
    input_file: Annotated[
        Path,
        typer.Option(
            "--input", "-i", help="JSON (records, rows, {columns, data}), CSV or Parquet."
        ),
    ],
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail if required packages differ from the recorded.")
    ] = False,
    onnx: Annotated[
        bool, typer.Option("--onnx", help="Use the version's ONNX export (logged with onnx=True).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Load REF and print its predictions for the rows in FILE (a quick check from the shell)."""
    data = _read_input(input_file)
    reg = open_registry_from(ctx)
    if onnx:
        from cairn.flavors import load_predictor

        v = reg.resolve(ref)
        checkout = getattr(reg, "checkout_cached", None)
        if checkout is None:
            raise InvalidInput("--onnx needs a local or database registry", "drop --onnx")
        predictor = load_predictor(checkout(v), v.meta, strict=strict, use_onnx=True)
    else:
        predictor = reg.load_model(ref, strict=strict)
    result = _plain(predictor.predict(data))
    if json_out:
        print_json({"ref": ref, "predictions": result})
        return
    rows = result if isinstance(result, list) else [result]
    print_table(["#", "prediction"], [[i, r] for i, r in enumerate(rows)], title=ref)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
    app.command("package")(package)
    app.command("predict")(predict)
