"""One version loaded in memory: its predictor, its signature, its warm-up and its drain.

A :class:`LoadedVersion` is built in a worker thread (checkout, framework import, load, warm
with the stored input example) and only then handed to the event loop; requests then call
:meth:`validate` and :meth:`predict` inline. ``in_flight`` counts the requests that hold it, so
a retired version is unloaded only once the last of them has finished (the drain).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cairn.catalog.records import VersionRecord
from cairn.errors import CairnError, ModelUnavailable, SchemaMismatch
from cairn.serving.fastpath import SplitTable, TabularFastPath, as_records, same_answers

__all__ = ["LoadedVersion", "load_version"]

log = logging.getLogger("cairn.serving")

PredictFn = Callable[[Any], Any]

#: a model whose warm-up predict takes longer than this predicts off the event loop
INLINE_SECONDS = 0.005


def _signature(meta: Mapping[str, Any]) -> dict[str, Any] | None:
    value = meta.get("signature")
    if isinstance(value, dict) and value.get("inputs"):
        return dict(value)
    return None


def _read_example(path: Path, meta: Mapping[str, Any]) -> Any:
    """The stored input example; a table stays a :class:`SplitTable` (no pandas import)."""
    from cairn.flavors import load_input_example

    name = meta.get("input_example")
    target = path / str(name) if isinstance(name, str) else None
    if target is not None and target.is_file():
        doc = json.loads(target.read_text())
        if doc.get("type") == "dataframe" and "columns" in doc and "data" in doc:
            return SplitTable(list(doc["columns"]), list(doc["data"]))
    return load_input_example(path, meta)


def _load(path: Path, meta: Mapping[str, Any], use_onnx: bool) -> tuple[PredictFn, Any, bool]:
    """The model's predict function (without the signature check, which
    :meth:`LoadedVersion.validate` does first), its stored input example, and whether the
    model provably takes a table as one matrix of its columns in order (an ONNX graph with a
    single input, which is what the ONNX flavor feeds a DataFrame to)."""
    from cairn.flavors import get_flavor, load_predictor

    if not meta.get("flavor"):
        raise ModelUnavailable(
            "the version has no flavor, so cairn does not know how to load it",
            "log it with log_model (or pass flavor= to log)",
        )
    if use_onnx and not (meta.get("flavor_meta") or {}).get("onnx"):
        log.warning(
            "cairn: this version has no ONNX export (log it with onnx=True); serving it natively"
        )
        use_onnx = False
    predictor = load_predictor(path, meta, use_onnx=use_onnx)
    flavor = get_flavor(predictor.flavor)
    raw, fmeta = predictor.raw, predictor.metadata

    def predict(data: Any) -> Any:
        return flavor.predict(raw, data, fmeta)

    matrix_ok = predictor.flavor == "onnx" and len(raw.get_inputs()) == 1
    return predict, _read_example(path, meta), matrix_ok


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
        #: fast models predict on the event loop; slow ones in a thread, so the loop keeps
        #: answering health checks and metrics while they compute
        self.inline = True
        self.matrix_ok = False
        #: numeric tables as one float64 matrix (see :mod:`cairn.serving.fastpath`)
        self.fast: TabularFastPath | None = None
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
        fit the signature. Numeric tables take the fast path when the version allows it."""
        from cairn.flavors.signature import validate

        fast = self.fast
        if fast is not None:
            matrix = fast.convert(data)
            if matrix is not None:
                return matrix
        try:
            if isinstance(data, SplitTable):
                data = data.to_frame()
            checked = validate(self.signature, data)
            return checked if fast is None else fast.matrix(checked)
        except CairnError:
            raise
        except Exception as exc:  # whatever the input was, it is the caller's error: 400
            raise SchemaMismatch(
                f"the input cannot be read as the model's input: {type(exc).__name__}: {exc}"
            ) from exc

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
            if self.matrix_ok:  # the fast path is the model's own input path: no comparison
                self.fast = TabularFastPath.build(self.signature)
            checked = self.validate(self.input_example)
            start = time.perf_counter()
            self.sample_output = self.predict(checked)
            self.inline = time.perf_counter() - start < INLINE_SECONDS
            if self.fast is None:
                self._try_fast_path()
        else:
            log.warning("cairn: %s/%s has no input example; not warmed", self.model, self.number)
        self.warmed = True

    def _try_fast_path(self) -> None:
        fast = TabularFastPath.build(self.signature)
        if fast is None:
            return
        matrix = fast.convert(as_records(self.input_example))
        if matrix is None:
            return
        try:
            answer = self._predict(matrix)
        except Exception:
            return
        if same_answers(self.sample_output, answer):
            self.fast = fast

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


def load_version(
    checkout: Path, record: VersionRecord, *, warm: bool = True, use_onnx: bool = False
) -> LoadedVersion:
    """Load (and warm) ``record`` from its verified checkout. Blocking: run it in a thread.
    ``use_onnx``: serve a scikit-learn version through its ONNX export (onnxruntime)."""
    start = time.perf_counter()
    meta = dict(record.meta)
    try:
        predict, example, matrix_ok = _load(checkout, meta, use_onnx)
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
    loaded.matrix_ok = matrix_ok
    if warm:
        try:
            loaded.warm()
        except CairnError as exc:
            raise ModelUnavailable(
                f"{record.ref} failed to warm up on its input example: {exc.message}",
                "fix the model or its input example, then move the alias again",
            ) from exc
    loaded.load_seconds = time.perf_counter() - start
    # Everything loaded so far (frameworks, the model) lives as long as the process: keep it
    # out of the cyclic garbage collector, whose full passes over it stall requests ~100 ms.
    gc.freeze()
    return loaded
