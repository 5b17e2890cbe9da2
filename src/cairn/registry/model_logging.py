"""Logging a trained model object: save it with its flavor's safe format, then ``log`` it.

Shared by the local :class:`~cairn.registry.Registry` and the remote client: both only need a
``log`` method, which the self-type below names.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from cairn.catalog.records import ParamValue, VersionRecord
from cairn.registry.base import DatasetLike

__all__ = ["ModelLoggingMixin"]


class _Logs(Protocol):
    def log(
        self,
        paths: Path,
        *,
        model: str,
        params: Mapping[str, ParamValue] | None = ...,
        metrics: Mapping[str, float] | None = ...,
        tags: Mapping[str, str] | None = ...,
        description: str = ...,
        parents: Sequence[str] = ...,
        datasets: Sequence[DatasetLike] = ...,
        flavor: str | None = ...,
        meta: Mapping[str, Any] | None = ...,
        unique: bool = ...,
    ) -> VersionRecord: ...


class ModelLoggingMixin:
    def log_model(
        self: _Logs,
        obj: Any,
        *,
        name: str,
        input_example: Any = None,
        params: Mapping[str, ParamValue] | None = None,
        metrics: Mapping[str, float] | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        parents: Sequence[str] = (),
        datasets: Sequence[DatasetLike] = (),
        unsafe: bool = False,
        unique: bool = False,
        **flavor_options: Any,
    ) -> VersionRecord:
        """Save a trained model object with its flavor's safe format and log it."""
        from cairn.flavors import save_model

        with tempfile.TemporaryDirectory(prefix="cairn-model-") as tmp:
            meta = save_model(
                obj, Path(tmp), input_example=input_example, unsafe=unsafe, **flavor_options
            )
            return self.log(
                Path(tmp),
                model=name,
                params=params,
                metrics=metrics,
                tags=tags,
                description=description,
                parents=parents,
                datasets=datasets,
                flavor=meta.get("flavor"),
                meta=meta,
                unique=unique,
            )
