"""The object ``load_predictor`` / ``Registry.load_model`` return."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cairn.flavors.base import Flavor
from cairn.flavors.signature import validate

__all__ = ["Predictor"]


class Predictor:
    """A loaded model with one ``predict`` for every framework.

    ``predict`` takes a pandas DataFrame, a NumPy array, a list of records (dicts), a list of
    rows, or a dict of columns / named arrays; the input is checked against the version's
    signature first (:func:`cairn.flavors.signature.validate`), so a wrong column or dtype is a
    :class:`~cairn.errors.SchemaMismatch` that names it, not a framework traceback.
    """

    def __init__(self, flavor: Flavor, raw: Any, meta: Mapping[str, Any], path: Path) -> None:
        self._flavor = flavor
        self._raw = raw
        self._meta = dict(meta)
        self._path = path

    @property
    def flavor(self) -> str:
        return self._flavor.name

    @property
    def signature(self) -> dict[str, Any] | None:
        signature = self._meta.get("signature")
        return dict(signature) if signature else None

    @property
    def metadata(self) -> dict[str, Any]:
        return self._meta

    @property
    def raw(self) -> Any:
        """The framework's own object (estimator, booster, module, session, your class)."""
        return self._raw

    @property
    def path(self) -> Path:
        return self._path

    def predict(self, data: Any) -> Any:
        return self._flavor.predict(self._raw, validate(self.signature, data), self._meta)

    def __repr__(self) -> str:
        return f"Predictor(flavor={self.flavor!r}, path={str(self._path)!r})"
