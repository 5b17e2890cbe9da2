"""Input/output signatures: inferred from an example, checked on every prediction.

A signature is plain JSON, stored on the version::

    {"inputs":  {"type": "dataframe",
                 "columns": [{"name": "age", "dtype": "int64", "optional": false}, ...]},
     "outputs": {"type": "tensor", "dtype": "float64", "shape": [-1]}}

Schemas come in three shapes: ``dataframe`` (named, typed columns; a column that has missing
values in the example is optional), ``tensor`` (one array: dtype and shape, ``-1`` for a
dimension of any size, always the first) and ``tensors`` (named arrays, e.g. ONNX inputs).

:func:`validate` turns what a caller sends (pandas, NumPy, records, lists of lists, a dict of
columns) into what the model expects, or raises :class:`~cairn.errors.SchemaMismatch` naming the
column and the types, e.g. ``column 'age': expected int64, got string``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cairn.errors import SchemaMismatch

__all__ = ["dtype_name", "infer_schema", "infer_signature", "to_frame", "validate"]

_INTS = {f"int{n}" for n in (8, 16, 32, 64)}
_UINTS = {f"uint{n}" for n in (8, 16, 32, 64)}
_FLOATS = {"float16", "float32", "float64"}


def _is_frame(data: Any) -> bool:
    return type(data).__name__ == "DataFrame" and type(data).__module__.startswith("pandas")


def _is_series(data: Any) -> bool:
    return type(data).__name__ == "Series" and type(data).__module__.startswith("pandas")


def _is_array(data: Any) -> bool:
    return type(data).__name__ == "ndarray" and type(data).__module__ == "numpy"


def _is_tensor(data: Any) -> bool:
    return type(data).__module__.startswith("torch") and hasattr(data, "detach")


def dtype_name(values: Any) -> str:
    """The signature dtype of a pandas Series or a NumPy array (``string`` for text)."""
    import numpy as np

    dtype = values.dtype
    kind = getattr(dtype, "kind", "O")
    name = str(dtype)
    if name in ("string", "str") or name.startswith("string["):
        return "string"
    if name in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"):
        return name.lower()
    if name in ("Float32", "Float64", "boolean"):
        return {"Float32": "float32", "Float64": "float64", "boolean": "bool"}[name]
    if name == "category":
        return "category"
    if kind in "iufb" or kind == "M":
        return "bool" if kind == "b" else name
    if kind == "U":
        return "string"
    if kind == "S":
        return "bytes"
    if kind == "O":
        flat = np.asarray(values, dtype=object).ravel()
        seen = {type(v) for v in flat if v is not None and not (isinstance(v, float) and v != v)}
        if seen and seen <= {str}:
            return "string"
        if seen and seen <= {bytes}:
            return "bytes"
        if seen and seen <= {bool}:
            return "bool"
        if seen and seen <= {int}:
            return "int64"
        if seen and seen <= {int, float}:
            return "float64"
        return "object"
    return name


def to_frame(data: Any, columns: Sequence[str] | None = None) -> Any:
    """A pandas DataFrame from a DataFrame, records, a dict of columns or rows of values."""
    import pandas as pd

    if _is_frame(data):
        return data
    if _is_series(data):
        return data.to_frame()
    if isinstance(data, Mapping):
        values = list(data.values())
        scalar = values and not any(isinstance(v, list | tuple) or _is_array(v) for v in values)
        return pd.DataFrame([dict(data)]) if scalar else pd.DataFrame(dict(data))
    if isinstance(data, list | tuple) and data and all(isinstance(r, Mapping) for r in data):
        return pd.DataFrame(list(data))
    rows = _rows(data)
    if columns is not None and rows and len(rows[0]) != len(columns):
        raise SchemaMismatch(
            f"expected {len(columns)} columns ({', '.join(columns)}), got {len(rows[0])}",
            "send one value per column in that order, or records with column names",
        )
    return pd.DataFrame(rows, columns=list(columns) if columns is not None else None)


def _rows(data: Any) -> list[list[Any]]:
    if _is_array(data):
        arr = data if data.ndim == 2 else data.reshape(len(data), -1) if data.ndim else None
        if arr is None:
            raise SchemaMismatch("got a scalar, expected rows", "send a list of rows")
        return [list(r) for r in arr.tolist()]
    if isinstance(data, list | tuple):
        if data and not isinstance(data[0], list | tuple):
            return [list(data)]
        return [list(r) for r in data]
    raise SchemaMismatch(
        f"cannot read input of type {type(data).__name__}",
        "send a pandas DataFrame, a NumPy array, a list of records or a list of rows",
    )


def infer_schema(data: Any) -> dict[str, Any]:
    """The schema of one example (see the module docstring for the shapes)."""
    import numpy as np

    if _is_tensor(data):
        data = data.detach().cpu().numpy()
    if (
        _is_frame(data)
        or _is_series(data)
        or (isinstance(data, list) and data and all(isinstance(r, Mapping) for r in data))
    ):
        frame = to_frame(data)
        return {
            "type": "dataframe",
            "columns": [
                {
                    "name": str(name),
                    "dtype": dtype_name(frame[name]),
                    "optional": bool(frame[name].isna().any()),
                }
                for name in frame.columns
            ],
        }
    if isinstance(data, Mapping):
        if data and all(_is_array(v) or _is_tensor(v) for v in data.values()):
            return {
                "type": "tensors",
                "tensors": [
                    {"name": str(k), **infer_schema(v)} | {"type": "tensor"}
                    for k, v in data.items()
                ],
            }
        return infer_schema(to_frame(data))
    arr = np.asarray(data)
    shape = [-1, *arr.shape[1:]] if arr.ndim else []
    return {"type": "tensor", "dtype": dtype_name(arr), "shape": shape}


def infer_signature(input_example: Any, output_example: Any = None) -> dict[str, Any]:
    """``{"inputs": schema, "outputs": schema | None}`` from an example and, if given, the
    model's output on it."""
    outputs = None
    if output_example is not None:
        try:
            outputs = infer_schema(output_example)
        except (TypeError, ValueError):
            outputs = None
    return {"inputs": infer_schema(input_example), "outputs": outputs}


# -- validation -----------------------------------------------------------------------------


def _compatible(expected: str, got: str) -> bool:
    if expected == got or expected == "object":
        return True
    if expected in _INTS:
        return got in _INTS or got in _UINTS
    if expected in _UINTS:
        return got in _UINTS or got in _INTS
    if expected in _FLOATS:
        return got in _INTS or got in _UINTS or got in _FLOATS
    if expected == "category":
        return got in ("string", "category")
    if expected.startswith("datetime64"):
        return got.startswith("datetime64") or got == "string"
    return False


def _cast_column(series: Any, expected: str, label: str, optional: bool) -> Any:
    import pandas as pd

    has_na = bool(series.isna().any())
    if has_na and not optional:
        raise SchemaMismatch(
            f"{label}: has missing values but is required",
            "fill the missing values before predicting",
        )
    if has_na and series.isna().all():
        return series
    got = dtype_name(series.dropna() if has_na else series)
    if has_na and got in _FLOATS and (expected in _INTS or expected in _UINTS):
        present = series.dropna()
        if bool((present == present.round()).all()):
            got = "int64"  # integers that pandas widened to float to hold the gaps
    if not _compatible(expected, got):
        raise SchemaMismatch(
            f"{label}: expected {expected}, got {got}",
            "send data that matches the model's signature (cairn show REF)",
        )
    if expected in _UINTS and got in _INTS and bool((series < 0).any()):
        raise SchemaMismatch(f"{label}: expected {expected}, got negative values")
    if expected == got or expected in ("object", "string", "bytes"):
        return series
    try:
        if expected.startswith("datetime64"):
            return pd.to_datetime(series)
        if expected == "category":
            return series.astype("category")
        if has_na and (expected in _INTS or expected in _UINTS):
            return series  # cannot hold NaN: leave as float for the model
        return series.astype(expected)
    except (ValueError, TypeError) as exc:
        raise SchemaMismatch(f"{label}: expected {expected}, got {got} ({exc})") from exc


def _validate_frame(schema: Mapping[str, Any], data: Any) -> Any:
    import numpy as np

    columns = list(schema["columns"])
    names = [c["name"] for c in columns]
    frame = to_frame(data, names)
    frame.columns = [str(c) for c in frame.columns]
    missing = [c["name"] for c in columns if c["name"] not in frame.columns and not c["optional"]]
    if missing:
        listed = ", ".join(f"'{m}'" for m in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise SchemaMismatch(
            f"{noun} {listed} missing (expected columns: {', '.join(names)})",
            "send every required column of the model's signature (cairn show REF)",
        )
    out = {}
    for col in columns:
        name, expected = col["name"], col["dtype"]
        if name not in frame.columns:
            fill = np.nan if expected in _FLOATS else None
            out[name] = frame.index.to_series().map(lambda _i, f=fill: f)
            continue
        out[name] = _cast_column(frame[name], expected, f"column '{name}'", col["optional"])
    import pandas as pd

    return pd.DataFrame(out, index=frame.index)


def _as_array(data: Any) -> Any:
    import numpy as np

    if _is_tensor(data):
        return data.detach().cpu().numpy()
    if _is_frame(data) or _is_series(data):
        return data.to_numpy()
    if isinstance(data, list | tuple) and data and all(isinstance(r, Mapping) for r in data):
        return to_frame(data).to_numpy()
    return np.asarray(data)


def _validate_tensor(schema: Mapping[str, Any], data: Any, label: str) -> Any:
    import numpy as np

    arr = _as_array(data)
    expected, shape = schema["dtype"], list(schema.get("shape") or [])
    if (
        shape
        and arr.ndim == len(shape) - 1
        and all(d != -1 for d in shape[1:])
        and list(arr.shape) == shape[1:]
    ):
        arr = arr[np.newaxis, ...]  # one example without the batch dimension
    got = dtype_name(arr)
    if not _compatible(expected, got):
        raise SchemaMismatch(
            f"{label}: expected {expected}, got {got}",
            "send data that matches the model's signature (cairn show REF)",
        )
    if shape and (
        arr.ndim != len(shape)
        or any(d not in (-1, n) for d, n in zip(shape, arr.shape, strict=False))
    ):
        want = "(" + ", ".join(str(d) for d in shape) + ")"
        raise SchemaMismatch(
            f"{label}: expected shape {want}, got {tuple(arr.shape)}",
            "send arrays of the model's input shape (-1 means any size)",
        )
    if got != expected and expected not in ("object", "string"):
        arr = arr.astype(expected)
    return arr


def validate(signature: Mapping[str, Any] | None, data: Any) -> Any:
    """Check ``data`` against a signature (or just its ``inputs`` schema) and return it in the
    form the model takes: a DataFrame, an array, or a dict of arrays. Without a signature,
    records and dicts become a DataFrame and everything else a NumPy array."""
    if signature is None:
        if (
            _is_frame(data)
            or isinstance(data, Mapping)
            or (isinstance(data, list) and data and all(isinstance(r, Mapping) for r in data))
        ):
            return to_frame(data)
        return _as_array(data)
    schema = signature.get("inputs", signature) if "type" not in signature else signature
    kind = schema.get("type")
    if kind == "dataframe":
        return _validate_frame(schema, data)
    if kind == "tensor":
        return _validate_tensor(schema, data, "input")
    if kind == "tensors":
        specs = list(schema["tensors"])
        if not isinstance(data, Mapping):
            if len(specs) != 1:
                names = ", ".join(s["name"] for s in specs)
                raise SchemaMismatch(
                    f"expected named inputs ({names}), got one array",
                    "send a dict of arrays keyed by input name",
                )
            data = {specs[0]["name"]: data}
        missing = [s["name"] for s in specs if s["name"] not in data]
        if missing:
            raise SchemaMismatch(f"input '{missing[0]}' is missing", "send every named input")
        return {
            s["name"]: _validate_tensor(s, data[s["name"]], f"input '{s['name']}'") for s in specs
        }
    raise SchemaMismatch(f"unknown schema type {kind!r}", "upgrade cairn")
