"""The fast path for numeric tables: request values straight into one float64 matrix.

Building a pandas DataFrame for a one-row request and checking it column by column costs
about a millisecond; the model itself answers in a tenth of that. For the common case — a
``dataframe`` signature whose columns are all required numbers or booleans — the values of a
request are type-checked in plain Python (ints for integer columns, ints or floats for float
columns, bools for bool columns) and copied into a float64 matrix in the signature's column
order. Anything unusual (a missing column, a string, a null, a DataFrame from CSV) returns
None and takes the general path, which raises the precise error.

A version uses the fast path only if, on its stored input example, the model answers exactly
the same to the matrix as to the validated DataFrame (so pipelines that select columns by
name keep the DataFrame path).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SplitTable", "TabularFastPath"]

# scikit-learn warns on every call when a model fitted on a DataFrame gets a matrix; the fast
# path has already put the columns in the fitted order, so the warning carries no information.
warnings.filterwarnings("ignore", message="X does not have valid feature names")

_FLOATS = {"float16", "float32", "float64"}
_INTS = {f"{p}int{n}" for p in ("", "u") for n in (8, 16, 32, 64)}


@dataclass(frozen=True)
class SplitTable:
    """A table as ``columns`` + ``rows`` (MLflow's ``dataframe_split``), not yet a DataFrame."""

    columns: list[str]
    rows: list[list[Any]]

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def _kind(dtype: str) -> str | None:
    if dtype in _FLOATS:
        return "f"
    if dtype in _INTS:
        return "i"
    if dtype == "bool":
        return "b"
    return None


def _ok(kind: str, value: Any) -> bool:
    t = type(value)
    if kind == "f":
        return t is float or t is int
    if kind == "i":
        return t is int
    return t is bool


class TabularFastPath:
    def __init__(self, names: list[str], kinds: list[str]) -> None:
        self.names = names
        self.kinds = kinds
        self.pairs = list(zip(names, kinds, strict=True))

    @classmethod
    def build(cls, signature: Mapping[str, Any] | None) -> TabularFastPath | None:
        schema = (signature or {}).get("inputs") or {}
        if schema.get("type") != "dataframe":
            return None
        names, kinds = [], []
        for col in schema.get("columns") or []:
            kind = _kind(str(col.get("dtype")))
            if kind is None or col.get("optional"):
                return None
            names.append(str(col["name"]))
            kinds.append(kind)
        return cls(names, kinds) if names else None

    def convert(self, data: Any) -> Any:
        """A float64 matrix, or None when ``data`` needs the general path."""
        import numpy as np

        rows: list[list[Any]]
        if isinstance(data, list) and data and type(data[0]) is dict:
            try:
                rows = [[rec[n] for n in self.names] for rec in data]
            except (KeyError, TypeError):
                return None
            if not all(_ok(k, row[i]) for row in rows for i, k in enumerate(self.kinds)):
                return None
        elif isinstance(data, SplitTable):
            try:
                index = [data.columns.index(n) for n in self.names]
            except ValueError:
                return None
            rows = []
            for raw in data.rows:
                if not isinstance(raw, list) or len(raw) != len(data.columns):
                    return None
                row = [raw[i] for i in index]
                if not all(_ok(k, v) for k, v in zip(self.kinds, row, strict=True)):
                    return None
                rows.append(row)
        elif isinstance(data, dict) and all(hasattr(v, "dtype") for v in data.values()):
            return self._from_arrays(data)
        else:
            return None
        if not rows:
            return None
        return np.array(rows, dtype=np.float64)

    def _from_arrays(self, data: Mapping[str, Any]) -> Any:
        import numpy as np

        cols = []
        for name, kind in self.pairs:
            arr = data.get(name)
            if arr is None or arr.ndim != 1:
                return None
            got = arr.dtype.kind
            if not (got == kind or (kind == "f" and got in "iu") or (kind == "i" and got == "u")):
                return None
            cols.append(arr)
        if len({len(c) for c in cols}) != 1:
            return None
        return np.column_stack(cols).astype(np.float64, copy=False)

    def matrix(self, frame: Any) -> Any:
        """A validated DataFrame as the same matrix (keeps one input type per version)."""
        import numpy as np

        return frame[self.names].to_numpy(dtype=np.float64)


def same_answers(a: Any, b: Any) -> bool:
    import numpy as np

    x = np.asarray(a.to_numpy() if hasattr(a, "to_numpy") else a)
    y = np.asarray(b.to_numpy() if hasattr(b, "to_numpy") else b)
    if x.shape != y.shape:
        return False
    if x.dtype.kind in "fc" and y.dtype.kind in "fc":
        return bool(np.allclose(x, y, rtol=1e-9, atol=0, equal_nan=True))
    return bool(np.array_equal(x, y))


def as_records(example: Any) -> Any:
    if hasattr(example, "to_dict") and hasattr(example, "columns"):
        return example.to_dict(orient="records")
    if isinstance(example, Sequence):
        return list(example)
    return example
