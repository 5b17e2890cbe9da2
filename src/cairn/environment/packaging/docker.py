"""A Docker build context that serves one version with ``cairn serve``.

The context holds:

* ``Dockerfile``: ``python:<X.Y>-slim`` (the Python the version was logged with, 3.11 if
  unknown), only the version's pinned requirements, a non-root user (uid 10001), a
  ``HEALTHCHECK`` on ``/v2/health/ready``, and ``ENTRYPOINT ["cairn", "serve", REF, ...]``;
* ``requirements.txt``: the flavor's requirements as recorded at log time (markers kept);
* ``registry/``: the artifact INCLUDED as a local registry export (when ``artifact_dir`` is
  given), so the image serves without network access; otherwise the container pulls the
  version at start from ``registry_uri`` (``CAIRN_REGISTRY``);
* ``.dockerignore`` and ``README.md`` (build and run commands).

cairn itself is installed from ``CAIRN_SPEC`` (a build argument, default ``cairn==<this
version>``; point it at a wheel copied into the context or a git URL when needed).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cairn.errors import InvalidInput

__all__ = ["DEFAULT_PORT", "dockerfile_text", "requirements_text", "write_docker"]

DEFAULT_PORT = 8080
APP_DIR = "/srv/cairn"
USER_ID = 10001


def _python_tag(meta: Mapping[str, Any]) -> str:
    version = str((meta.get("environment") or {}).get("python") or "3.11")
    match = re.match(r"(\d+)\.(\d+)", version)
    return f"{match.group(1)}.{match.group(2)}" if match else "3.11"


def requirements_text(meta: Mapping[str, Any]) -> str:
    """The version's requirements, one per line (what the flavor needs, nothing else)."""
    lines = [str(r) for r in meta.get("requirements") or []]
    header = "# What this model needs, pinned when it was logged (cairn package).\n"
    return header + "".join(f"{line}\n" for line in lines)


def dockerfile_text(
    *, model_ref: str, meta: Mapping[str, Any], registry_uri: str | None, bundled: bool,
    port: int = DEFAULT_PORT, cairn_spec: str | None = None,
) -> str:  # fmt: skip
    from importlib.metadata import PackageNotFoundError, version

    try:
        spec = cairn_spec or f"cairn=={version('cairn')}"
    except PackageNotFoundError:
        spec = "cairn"
    registry = f"{APP_DIR}/registry" if bundled else (registry_uri or "")
    entry = ["cairn", "serve", model_ref, "--host", "0.0.0.0", "--port", str(port)]  # noqa: S104
    probe = (
        "import sys, urllib.request; "
        f"sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:{port}/v2/health/ready', "
        "timeout=3).status == 200 else 1)"
    )
    lines = [
        "# syntax=docker/dockerfile:1",
        f"# Serves {model_ref} with cairn. Build: docker build -t IMAGE .",
        f"FROM python:{_python_tag(meta)}-slim",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 "
        "PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1",
        f'ARG CAIRN_SPEC="{spec}"',
        f"WORKDIR {APP_DIR}",
        "COPY requirements.txt .",
        'RUN pip install --no-cache-dir "${CAIRN_SPEC}" -r requirements.txt',
        f"RUN useradd --create-home --uid {USER_ID} --user-group cairn",
    ]
    if bundled:
        lines.append(f"COPY --chown=cairn:cairn registry/ {APP_DIR}/registry/")
    lines += [
        f"ENV CAIRN_REGISTRY={registry} CAIRN_HOME=/home/cairn/.cairn",
        "USER cairn",
        f"EXPOSE {port}",
        "HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 "
        f'CMD ["python", "-c", {json.dumps(probe)}]',
        f"ENTRYPOINT {json.dumps(entry)}",
    ]
    return "\n".join(lines) + "\n"


def write_docker(
    dest: Path,
    *,
    model_ref: str,
    meta: Mapping[str, Any],
    registry_uri: str | None = None,
    artifact_dir: Path | None = None,
    port: int = DEFAULT_PORT,
    cairn_spec: str | None = None,
) -> list[Path]:
    """Write the build context into ``dest`` (new or empty). ``artifact_dir`` is a local
    registry export holding the version (copied in as ``registry/``); without it the
    container reads ``registry_uri`` at start. Returns the files written."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise InvalidInput(f"{dest} is not empty", "package into a new or empty directory")
    if artifact_dir is None and not registry_uri:
        raise InvalidInput(
            "the image needs the model: include it or say where to pull it from",
            "pass artifact_dir (a local registry export) or registry_uri",
        )
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    if artifact_dir is not None:
        shutil.copytree(artifact_dir, dest / "registry", symlinks=False)
    files = {
        "Dockerfile": dockerfile_text(
            model_ref=model_ref,
            meta=meta,
            registry_uri=registry_uri,
            bundled=artifact_dir is not None,
            port=port,
            cairn_spec=cairn_spec,
        ),
        "requirements.txt": requirements_text(meta),
        ".dockerignore": "**/__pycache__\n**/*.pyc\n.git\n",
        "README.md": _readme(model_ref, bundled=artifact_dir is not None, port=port),
    }
    for name, text in files.items():
        (dest / name).write_text(text)
        written.append(dest / name)
    return written


def _readme(model_ref: str, *, bundled: bool, port: int) -> str:
    where = (
        "The model is inside the image (`registry/`, a local cairn registry export): "
        "the container needs no access to your registry."
        if bundled
        else "The container pulls the model at start from `CAIRN_REGISTRY` "
        "(pass a token with `-e CAIRN_TOKEN=...` if the registry needs one)."
    )
    return (
        f"# {model_ref}\n\n{where}\n\n"
        "```\n"
        "docker build -t my-model .\n"
        f"docker run --rm -p {port}:{port} my-model\n"
        f"curl localhost:{port}/v2/health/ready\n"
        "```\n"
    )
