"""Packaging a version to run elsewhere: a Docker build context, Kubernetes manifests."""

from __future__ import annotations

from cairn.environment.packaging.docker import write_docker
from cairn.environment.packaging.k8s import write_k8s

__all__ = ["write_docker", "write_k8s"]
