"""Models in, models out: saving framework objects with their flavor, loading predictors."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cairn.catalog.records import VersionRecord
from cairn.errors import CorruptData
from cairn.registry.checkouts import verify_tree
from cairn.registry.model_logging import ModelLoggingMixin
from cairn.registry.versions import VersionsMixin

if TYPE_CHECKING:
    from cairn.flavors import Predictor

__all__ = ["ModelIOMixin"]


class ModelIOMixin(VersionsMixin, ModelLoggingMixin):
    def load_model(
        self,
        ref: str,
        *,
        strict: bool = False,
        trusted: Sequence[str] = (),
        use_onnx: bool = False,
    ) -> Predictor:
        """A predictor for the version ``ref`` names, from verified bytes.

        ``use_onnx`` loads a scikit-learn version's ONNX export instead (logged with
        ``onnx=True``): a much faster cold start, float32 arithmetic.
        """
        from cairn.flavors import load_predictor

        v = self.resolve(ref)
        return load_predictor(
            self.checkout_cached(v), v.meta, strict=strict, trusted=trusted, use_onnx=use_onnx
        )

    def checkout_cached(self, v: VersionRecord) -> Path:
        """A verified checkout of ``v`` in the local cache (content-addressed, reused)."""
        cache = (self.home or self.settings.home) / "cache" / v.digest.replace(":", "-")
        if cache.exists():
            try:
                verify_tree(self.store.snapshot(v.digest), cache)
            except CorruptData:
                shutil.rmtree(cache)  # a damaged cache entry is rebuilt from the store
        if not cache.exists():
            cache.parent.mkdir(parents=True, exist_ok=True)
            self.store.checkout(v.digest, cache)
        return cache
