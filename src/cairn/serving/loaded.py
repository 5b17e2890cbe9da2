"""One version loaded in memory: its predictor, its signature, its warm-up and its drain.

A :class:`LoadedVersion` is built in a worker thread (checkout, framework import, load, warm
with the stored input example) and only then handed to the event loop; requests then call
:meth:`validate` and :meth:`predict` inline. ``in_flight`` counts the requests that hold it, so
a retired version is unloaded only once the last of them has finished (the drain).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cairn.catalog.records import VersionRecord
from cairn.errors import CairnError

__all__ = ["LoadedVersion", "ModelUnavailable", "load_version"]

log = logging.getLogger("cairn.serving")

PredictFn = Callable[[Any], Any]


class ModelUnavailable(CairnError):
    """The model cannot answer now: not loaded, failed to load, stopped, or crashed."""

    code = "model_unavailable"
    http_status = 503
    default_hint = "the server keeps running; check its log, or move the alias to a good version"


def _signature(meta: Mapping[str, Any]) -> dict[str, Any] | None:
    value = meta.get("signature")
    if isinstance(value, dict) and value.get("inputs"):
        return dict(value)
    return None


def _load(path: Path, meta: Mapping[str, Any]) -> tuple[PredictFn, Any]:
    """The model's predict function (without the signature check, which
    :meth:`LoadedVersion.validate` does first) and its stored input example."""
    from cairn.flavors import get_flavor, load_input_example, load_predictor

    if not meta.get("flavor"):
        raise ModelUnavailable(
            "the version has no flavor, so cairn does not know how to load it",
            "log it with log_model (or pass flavor= to log)",
        )
    predictor = load_predictor(path, meta)
    flavor = get_flavor(predictor.flavor)
    raw, fmeta = predictor.raw, predictor.metadata

    def predict(data: Any) -> Any:
        return flavor.predict(raw, data, fmeta)

    return predict, load_input_example(path, meta)


class LoadedVersion:
    """A version ready to answer (after :func:`load_version`), with its drain bookkeeping."""

    def __init__(
        self,
        record: VersionRecord,
        predict_fn: PredictFn,
        *,
        signature: dict[str, Any] | None,
        input_example: Any,
        load_seconds: float,
    ) -> None:
        self.record = record
        self.model = record.model
        self.number = record.number
        self.version = str(record.number)
        self._predict = predict_fn
        self.signature = signature
        self.input_example = input_example
        self.load_seconds = load_seconds
        self.warmed = False
        #: what the model answered to its input example (describes its outputs)
        self.sample_output: Any = None
        self.in_flight = 0
        self.retired = False
        self._drained: asyncio.Event | None = None

    def __repr__(self) -> str:
        return f"<LoadedVersion {self.model}/{self.number}>"

    # -- the request path ------------------------------------------------------------------

    def validate(self, data: Any) -> Any:
        """``data`` in the form the model takes; :class:`SchemaMismatch` (400) if it does not
        fit the signature."""
        from cairn.flavors.signature import validate

        return validate(self.signature, data)

    def predict(self, data: Any) -> Any:
        """Call the model on validated data; any failure of the model itself is a 503."""
        try:
            return self._predict(data)
        except CairnError:
            raise
        except Exception as exc:
            log.exception("cairn: %s/%s failed to predict", self.model, self.number)
            raise ModelUnavailable(
                f"model {self.model}/{self.number} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def acquire(self) -> None:
        self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        if self.retired and self.in_flight == 0 and self._drained is not None:
            self._drained.set()

    # -- lifecycle -------------------------------------------------------------------------

    def warm(self) -> None:
        """Run the stored input example through validate + predict (in the loading thread)."""
        if self.input_example is not None:
            self.sample_output = self.predict(self.validate(self.input_example))
        else:
            log.warning("cairn: %s/%s has no input example; not warmed", self.model, self.number)
        self.warmed = True

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until no request holds this version (it no longer gets new ones)."""
        self.retired = True
        if self.in_flight == 0:
            return
        self._drained = asyncio.Event()
        if self.in_flight == 0:
            return
        try:
            await asyncio.wait_for(self._drained.wait(), timeout)
        except TimeoutError:
            log.warning(
                "cairn: %s/%s still had %d requests after %.0fs; unloading anyway",
                self.model,
                self.number,
                self.in_flight,
                timeout,
            )

    def unload(self) -> None:
        self._predict = _unloaded(self.model, self.number)
        self.input_example = None


def _unloaded(model: str, number: int) -> PredictFn:
    def predict(data: Any) -> Any:
        raise ModelUnavailable(f"model {model}/{number} was unloaded")

    return predict


def load_version(checkout: Path, record: VersionRecord, *, warm: bool = True) -> LoadedVersion:
    """Load (and warm) ``record`` from its verified checkout. Blocking: run it in a thread."""
    start = time.perf_counter()
    meta = dict(record.meta)
    try:
        predict, example = _load(checkout, meta)
    except CairnError:
        raise
    except Exception as exc:
        raise ModelUnavailable(
            f"{record.ref} failed to load: {type(exc).__name__}: {exc}",
            "fix the model (or its environment), then move the alias again",
        ) from exc
    loaded = LoadedVersion(
        record,
        predict,
        signature=_signature(meta),
        input_example=example,
        load_seconds=0.0,
    )
    if warm:
        try:
            loaded.warm()
        except CairnError as exc:
            raise ModelUnavailable(
                f"{record.ref} failed to warm up on its input example: {exc.message}",
                "fix the model or its input example, then move the alias again",
            ) from exc
    loaded.load_seconds = time.perf_counter() - start
    return loaded
