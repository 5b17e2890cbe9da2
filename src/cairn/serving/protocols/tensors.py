"""Open Inference Protocol v2 tensors: datatypes, JSON data and the binary data extension."""

from __future__ import annotations

import math
import struct
from typing import Any

from cairn.errors import InvalidInput

__all__ = [
    "DATATYPES",
    "datatype_of",
    "decode_binary",
    "encode_binary",
    "signature_datatype",
    "to_array",
]

# OIP v2 datatype -> NumPy dtype (BYTES is an object array of str/bytes)
DATATYPES: dict[str, str] = {
    "BOOL": "bool",
    "UINT8": "uint8",
    "UINT16": "uint16",
    "UINT32": "uint32",
    "UINT64": "uint64",
    "INT8": "int8",
    "INT16": "int16",
    "INT32": "int32",
    "INT64": "int64",
    "FP16": "float16",
    "FP32": "float32",
    "FP64": "float64",
    "BYTES": "object",
}
_FROM_NUMPY = {v: k for k, v in DATATYPES.items() if k != "BYTES"}


def signature_datatype(dtype: str) -> str:
    """The OIP datatype for a signature dtype (``string``, ``category``… are ``BYTES``)."""
    return _FROM_NUMPY.get(dtype, "BYTES")


def datatype_of(array: Any) -> str:
    return _FROM_NUMPY.get(str(array.dtype), "BYTES")


def _flatten(data: Any) -> list[Any]:
    if not isinstance(data, list):
        return [data]
    if data and isinstance(data[0], list):
        out: list[Any] = []
        for item in data:
            out.extend(_flatten(item))
        return out
    return data


def to_array(name: str, datatype: str, shape: list[int], data: Any) -> Any:
    """A NumPy array from an OIP JSON tensor (flat row-major or nested ``data``)."""
    import numpy as np

    dtype = DATATYPES[datatype]
    flat = _flatten(data)
    want = math.prod(shape)
    if len(flat) != want:
        raise InvalidInput(
            f"input '{name}': shape {shape} needs {want} values, got {len(flat)}",
            "send as many values as the shape says (row-major)",
        )
    try:
        if datatype == "BYTES":
            arr = np.empty(len(flat), dtype=object)
            arr[:] = [v.decode() if isinstance(v, bytes) else v for v in flat]
        else:
            arr = np.asarray(flat, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"input '{name}': values do not fit datatype {datatype} ({exc})",
            "send values of the declared datatype",
        ) from exc
    return arr.reshape(shape)


def decode_binary(name: str, datatype: str, shape: list[int], raw: bytes) -> Any:
    """A NumPy array from the binary tensor data extension (little-endian, row-major;
    ``BYTES`` elements are each prefixed with a 4-byte length)."""
    import numpy as np

    if datatype == "BYTES":
        items: list[Any] = []
        pos = 0
        while pos < len(raw):
            (size,) = struct.unpack_from("<I", raw, pos)
            pos += 4
            items.append(raw[pos : pos + size].decode("utf-8", "replace"))
            pos += size
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
    else:
        dtype = np.dtype(DATATYPES[datatype]).newbyteorder("<")
        if len(raw) % dtype.itemsize:
            raise InvalidInput(f"input '{name}': {len(raw)} bytes is not a whole {datatype} tensor")
        arr = np.frombuffer(raw, dtype=dtype)
    if arr.size != math.prod(shape):
        raise InvalidInput(
            f"input '{name}': shape {shape} needs {math.prod(shape)} values, got {arr.size}"
        )
    return arr.reshape(shape)


def encode_binary(array: Any) -> bytes:
    import numpy as np

    if datatype_of(array) == "BYTES":
        parts = []
        for item in np.asarray(array, dtype=object).ravel():
            data = item if isinstance(item, bytes) else str(item).encode()
            parts.append(struct.pack("<I", len(data)) + data)
        return b"".join(parts)
    return bytes(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes())
