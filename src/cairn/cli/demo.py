"""``cairn demo``: a registry with real scikit-learn models, an alias moved and rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cairn.cli.output import console

__all__ = ["register"]

_C_VALUES = (0.05, 1.0, 20.0)


def _train(c: float) -> tuple[Any, dict[str, float], Any, bytes]:
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer(as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.25, random_state=0, stratify=data.target
    )
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    pipeline.fit(x_train, y_train)
    proba = pipeline.predict_proba(x_test)[:, 1]
    metrics = {
        "auc": float(roc_auc_score(y_test, proba)),
        "accuracy": float(accuracy_score(y_test, proba > 0.5)),
    }
    raw = np.ascontiguousarray(data.data.to_numpy()).tobytes()
    return pipeline, metrics, x_test.head(5), raw


def demo(
    ctx: typer.Context,
    path: Annotated[Path, typer.Option("--path", help="Folder for the demo registry.")] = Path(
        "cairn-demo"
    ),
    serve: Annotated[
        bool,
        typer.Option("--serve/--no-serve", help="Then run the server and its web UI on it."),
    ] = True,
    port: Annotated[int, typer.Option("--port", help="Port of the demo server.")] = 8080,
) -> None:
    """Create a demo registry (three versions of a real model, an alias moved and rolled
    back, a diff), then serve it with the web UI on http://127.0.0.1:PORT/."""
    import cairn
    from cairn.digest import hash_bytes

    reg = cairn.open(path)
    console.print(f"[bold]registry[/] {path.resolve()}")
    previous: str | None = None
    refs = []
    for c in _C_VALUES:
        model, metrics, example, raw = _train(c)
        v = reg.log_model(
            model,
            name="breast-cancer",
            input_example=example,
            params={"C": c, "max_iter": 2000, "estimator": "LogisticRegression"},
            metrics=metrics,
            tags={"team": "demo", "dataset": "breast_cancer"},
            description=f"logistic regression, C={c}",
            parents=[previous] if previous else [],
            datasets=[
                {
                    "name": "breast_cancer",
                    "uri": "sklearn.datasets.load_breast_cancer",
                    "digest": hash_bytes(raw),
                }
            ],
        )
        refs.append(v.ref)
        previous = v.ref
        console.print(f"logged {v.ref}  auc={metrics['auc']:.4f}  C={c}")
    model_name = "breast-cancer"
    first, second = refs[-3], refs[-2]
    reg.set_alias(model_name, "production", first, reason="first release")
    reg.set_alias(model_name, "production", second, reason="better auc on validation")
    console.print(f"production → {second}")
    move = reg.rollback(f"{model_name}@production", reason="demo: roll back")
    console.print(f"rolled back production: {move.from_version} → {move.to_version}")
    predictor = reg.load_model(f"{model_name}@production")
    predictions = [int(p) for p in predictor.predict(example)]  # the held-out rows of the last fit
    console.print(f"predictions of {model_name}@production on 5 rows: {predictions}", markup=False)
    from cairn.cli.describe import describe_diff

    describe_diff(reg.diff(first, second))
    console.print(
        f"\nnext: cairn -r {path} versions {model_name}   |   "
        f"cairn -r {path} alias history {model_name}@production"
    )
    reg.close()
    if serve:
        from cairn.cli.server_commands import server

        console.print(
            f"\n[bold]web UI and API:[/] http://127.0.0.1:{port}/  (Ctrl-C to stop; "
            "authentication is off for this local demo only)"
        )
        server(ctx, host="127.0.0.1", port=port, registry=str(path), no_auth=True, cors=None)


def register(app: typer.Typer) -> None:
    app.command()(demo)
