"""Kubernetes manifests for a served version: Deployment, Service, HorizontalPodAutoscaler,
and a KServe InferenceService (custom container) using the same image.

Probes hit the serving health routes: liveness on ``/v2/health/live``, readiness on
``/v2/health/ready`` (ready means the version the ref names is loaded and warmed).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cairn.errors import InvalidInput

__all__ = ["k8s_name", "manifests", "write_k8s"]

LIVE = "/v2/health/live"
READY = "/v2/health/ready"


def k8s_name(text: str) -> str:
    """A DNS-1123 label from a model name (lower case, ``-``, at most 63 characters)."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:63].strip("-")
    if not name:
        raise InvalidInput(f"cannot make a Kubernetes name from {text!r}", "pass name=...")
    return name


def _probe(path: str, port: int, *, delay: int, period: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "initialDelaySeconds": delay,
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": 3,
    }


def _container(name: str, image: str, model_ref: str, port: int) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "env": [{"name": "CAIRN_MODEL_REF", "value": model_ref}],
        "livenessProbe": _probe(LIVE, port, delay=10, period=10),
        "readinessProbe": _probe(READY, port, delay=5, period=5),
        "resources": {
            "requests": {"cpu": "500m", "memory": "512Mi"},
            "limits": {"cpu": "2", "memory": "2Gi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def manifests(
    *, name: str, image: str, model_ref: str, port: int = 8080, replicas: int = 2,
    max_replicas: int = 10, cpu_target: int = 70,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """The four manifests as dicts, keyed by file name."""
    app = k8s_name(name)
    labels = {"app.kubernetes.io/name": app, "app.kubernetes.io/managed-by": "cairn"}
    annotations = {"cairn.dev/model-ref": model_ref}
    meta = {"name": app, "labels": labels, "annotations": annotations}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "fsGroup": 10001},
                    "terminationGracePeriodSeconds": 40,
                    "containers": [_container(app, image, model_ref, port)],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "type": "ClusterIP",
            "selector": {"app.kubernetes.io/name": app},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": meta,
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
            "minReplicas": replicas,
            "maxReplicas": max(max_replicas, replicas),
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": cpu_target},
                    },
                }
            ],
        },
    }
    kserve_container = _container("kserve-container", image, model_ref, port)
    inference_service = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            **meta,
            "annotations": {**annotations, "serving.kserve.io/enable-prometheus-scraping": "true"},
        },
        "spec": {
            "predictor": {
                "minReplicas": replicas,
                "maxReplicas": max(max_replicas, replicas),
                "containers": [kserve_container],
            }
        },
    }
    return {
        "deployment.yaml": deployment,
        "service.yaml": service,
        "hpa.yaml": hpa,
        "kserve.yaml": inference_service,
    }


def write_k8s(
    dest: Path, *, name: str, image: str, model_ref: str, port: int = 8080, replicas: int = 2,
    max_replicas: int = 10,
) -> list[Path]:  # fmt: skip
    """Write deployment.yaml, service.yaml, hpa.yaml and kserve.yaml (plus all.yaml, the
    first three in one file for ``kubectl apply -f``) into ``dest``."""
    if not image:
        raise InvalidInput("an image is needed", "build one with cairn package REF --docker DIR")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    docs = manifests(
        name=name, image=image, model_ref=model_ref, port=port, replicas=replicas,
        max_replicas=max_replicas,
    )  # fmt: skip
    written = []
    for filename, doc in docs.items():
        target = dest / filename
        target.write_text(yaml.safe_dump(doc, sort_keys=False))
        written.append(target)
    bundle = dest / "all.yaml"
    bundle.write_text(
        yaml.safe_dump_all(
            [docs["deployment.yaml"], docs["service.yaml"], docs["hpa.yaml"]], sort_keys=False
        )
    )
    written.append(bundle)
    return written
