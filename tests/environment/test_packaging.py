"""Docker build context and Kubernetes manifests: parsed, checked field by field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml

from cairn.environment.packaging import write_docker, write_k8s
from cairn.errors import InvalidInput

META: dict[str, Any] = {
    "flavor": "sklearn",
    "environment": {"python": "3.11.7"},
    "requirements": ["scikit-learn==1.9.1", "skops==0.16.0", "numpy==2.4.6"],
}


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per logical line: comments dropped, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        instruction, _, args = line.partition(" ")
        assert instruction.isupper(), f"not an instruction: {line!r}"
        out.append((instruction, args.strip()))
    assert not pending, "dangling line continuation"
    return out


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    (folder / "store").mkdir(parents=True)
    (folder / "catalog.db").write_bytes(b"sqlite")
    return folder


def test_dockerfile_serves_the_ref_as_non_root_with_a_healthcheck(
    tmp_path: Path, export: Path
) -> None:
    dest = tmp_path / "ctx"
    written = write_docker(dest, model_ref="fraud@production", meta=META, artifact_dir=export)
    assert {p.name for p in written} >= {"Dockerfile", "requirements.txt", ".dockerignore"}
    assert (dest / "registry" / "catalog.db").is_file()  # the artifact is included
    steps = parse_dockerfile((dest / "Dockerfile").read_text())
    kinds = [k for k, _ in steps]
    args = dict(steps)
    assert kinds[0] == "FROM" and args["FROM"] == "python:3.11-slim"
    assert "pip install" in args["RUN"] or any("pip install" in a for k, a in steps if k == "RUN")
    assert any(k == "COPY" and a.startswith("requirements.txt") for k, a in steps)
    assert any(k == "COPY" and "registry/" in a for k, a in steps)
    assert "CAIRN_REGISTRY=/srv/cairn/registry" in " ".join(a for k, a in steps if k == "ENV")
    user = [a for k, a in steps if k == "USER"]
    assert user == ["cairn"]
    assert kinds.index("USER") < kinds.index("ENTRYPOINT")
    assert any(k == "RUN" and "useradd" in a and "10001" in a for k, a in steps)
    health = args["HEALTHCHECK"]
    assert "/v2/health/ready" in health and health.split("CMD", 1)[1].strip().startswith("[")
    json.loads(health.split("CMD", 1)[1])  # exec form
    entry = json.loads(args["ENTRYPOINT"])
    assert entry[:3] == ["cairn", "serve", "fraud@production"]
    assert entry[entry.index("--port") + 1] == args["EXPOSE"] == "8080"
    reqs = [
        line
        for line in (dest / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert reqs == META["requirements"]


def test_without_the_artifact_the_container_pulls_it(tmp_path: Path) -> None:
    dest = tmp_path / "ctx"
    write_docker(dest, model_ref="m/3", meta=META, registry_uri="https://models.example.com")
    steps = parse_dockerfile((dest / "Dockerfile").read_text())
    assert not (dest / "registry").exists()
    env = " ".join(a for k, a in steps if k == "ENV")
    assert "CAIRN_REGISTRY=https://models.example.com" in env
    assert not any(k == "COPY" and "registry/" in a for k, a in steps)
    with pytest.raises(InvalidInput, match="include it or say where"):
        write_docker(tmp_path / "other", model_ref="m/3", meta=META)
    with pytest.raises(InvalidInput, match="not empty"):
        write_docker(dest, model_ref="m/3", meta=META, registry_uri="x")


def test_kubernetes_manifests(tmp_path: Path) -> None:
    written = write_k8s(
        tmp_path / "k8s",
        name="Fraud_Detector",
        image="reg.example.com/fraud:1",
        model_ref="fraud_detector@production",
    )
    docs = {}
    for path in written:
        loaded = list(yaml.safe_load_all(path.read_text()))
        assert loaded and all(isinstance(d, dict) for d in loaded)
        docs[path.name] = loaded
    assert len(docs["all.yaml"]) == 3
    [deployment] = docs["deployment.yaml"]
    [service] = docs["service.yaml"]
    [hpa] = docs["hpa.yaml"]
    [isvc] = docs["kserve.yaml"]
    assert (deployment["apiVersion"], deployment["kind"]) == ("apps/v1", "Deployment")
    assert (service["apiVersion"], service["kind"]) == ("v1", "Service")
    assert (hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    assert (isvc["apiVersion"], isvc["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    name = deployment["metadata"]["name"]
    assert name == "fraud-detector"
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    containers = [
        deployment["spec"]["template"]["spec"]["containers"][0],
        isvc["spec"]["predictor"]["containers"][0],
    ]
    for container in containers:
        assert container["image"] == "reg.example.com/fraud:1"
        assert container["livenessProbe"]["httpGet"] == {"path": "/v2/health/live", "port": 8080}
        assert container["readinessProbe"]["httpGet"] == {"path": "/v2/health/ready", "port": 8080}
        assert container["ports"][0]["containerPort"] == 8080
        assert container["securityContext"]["runAsNonRoot"] is True
    port_names = {p["name"] for p in containers[0]["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in port_names


@pytest.mark.slow
def test_requirements_install_into_a_fresh_venv(tmp_path: Path) -> None:
    """pip resolves the context's requirements.txt in a brand-new venv (--dry-run: no Docker
    engine here, and a full install would download hundreds of MB)."""
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression

    from cairn.flavors import save_model

    meta = save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "m")
    write_docker(tmp_path / "ctx", model_ref="m@prod", meta=meta, registry_uri="/srv/r")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--dry-run", "--quiet", "-r",
         str(tmp_path / "ctx" / "requirements.txt")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    offline = (
        "NewConnectionError",
        "Temporary failure in name resolution",
        "Network is unreachable",
    )
    if done.returncode != 0 and any(sign in done.stderr for sign in offline):
        pytest.skip("no package index reachable from this machine")
    assert done.returncode == 0, done.stderr[-3000:]
    assert sys.version_info[:2] == tuple(
        int(x) for x in meta["environment"]["python"].split(".")[:2]
    )
