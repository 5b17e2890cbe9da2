"""Scan pickle-based files by content, without unpickling them.

The scanner walks the opcode stream with :func:`pickletools.genops` and simulates the pickle
machine's stack symbolically (nothing is imported from the file, nothing is called), so it
knows every global the file would import, including ``STACK_GLOBAL`` whose operands come from
the memo. Each global is judged by :mod:`cairn.flavors.pickle_policy` (deny-list, allow-list,
the user's ``trusted`` names).

Containers are unwrapped: zip files (``torch.save``), joblib files (raw NumPy buffers inside
the stream, zlib/gzip/bz2/xz compression). A file that cannot be parsed completely is unsafe.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import math
import pickletools
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import UnsafeModel
from cairn.flavors.pickle_policy import check_globals

__all__ = ["ScanReport", "ensure_safe", "scan_bytes", "scan_file"]

_MAX_DECOMPRESSED = 8 * 1024**3

_JOBLIB_WRAPPER = "joblib.numpy_pickle.NumpyArrayWrapper"
_CONSTANTS = {"NONE", "NEWTRUE", "NEWFALSE"}
_NOT_LITERAL = {"GLOBAL", "INST", "PERSID", "EXT1", "EXT2", "EXT4"}


@dataclass
class ScanReport:
    """What a scan found. ``safe`` means: parsed completely, every global allowed."""

    format: str
    globals: list[str] = field(default_factory=list)
    denied: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def safe(self) -> bool:
        return self.error is None and not self.denied and not self.unknown

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "safe": self.safe,
            "globals": sorted(self.globals),
            "denied": dict(sorted(self.denied.items())),
            "unknown": sorted(self.unknown),
            "error": self.error,
        }


# -- the symbolic pickle machine ------------------------------------------------------------


@dataclass(frozen=True)
class _Global:
    module: str
    name: str


@dataclass
class _Call:
    func: Any
    args: Any
    state: Any = None


class _Mark:
    pass


class _Opaque:
    """A value the scan does not model (persistent ids, buffers, extension codes)."""


class _ScanError(Exception):
    pass


class _Machine:
    def __init__(self, stream: io.BytesIO, found: list[tuple[str, str]]) -> None:
        self.stream = stream
        self.found = found
        self.stack: list[Any] = []
        self.memo: dict[int, Any] = {}

    def _pop_mark(self) -> list[Any]:
        items: list[Any] = []
        while self.stack:
            item = self.stack.pop()
            if isinstance(item, _Mark):
                items.reverse()
                return items
            items.append(item)
        raise _ScanError("MARK missing")

    def _global(self, module: Any, name: Any) -> _Global:
        if not isinstance(module, str) or not isinstance(name, str):
            raise _ScanError("a global whose name is computed at load time (indirection)")
        self.found.append((module, name))
        return _Global(module, name)

    def run(self) -> None:
        st = self.stack
        for op, arg, _pos in pickletools.genops(self.stream):
            code = op.name
            if code in ("PROTO", "FRAME"):
                continue
            if code == "STOP":
                return
            if code in ("MARK",):
                st.append(_Mark())
            elif code in ("MEMOIZE",):
                self.memo[len(self.memo)] = st[-1]
            elif code in ("PUT", "BINPUT", "LONG_BINPUT"):
                self.memo[_int(arg)] = st[-1]
            elif code in ("GET", "BINGET", "LONG_BINGET"):
                if _int(arg) not in self.memo:
                    raise _ScanError(f"memo {arg} read before it was written")
                st.append(self.memo[_int(arg)])
            elif code in _CONSTANTS or (op.arg is not None and code not in _NOT_LITERAL):
                st.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}.get(code, arg))
            elif code == "EMPTY_TUPLE":
                st.append(())
            elif code in ("EMPTY_LIST", "EMPTY_DICT", "EMPTY_SET"):
                st.append({"EMPTY_LIST": [], "EMPTY_DICT": {}, "EMPTY_SET": set()}[code])
            elif code in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(code[-1])
                items = st[-n:]
                del st[-n:]
                st.append(tuple(items))
            elif code == "TUPLE":
                st.append(tuple(self._pop_mark()))
            elif code == "LIST":
                st.append(self._pop_mark())
            elif code == "FROZENSET":
                st.append(_Opaque())
                self._pop_mark()
            elif code == "DICT":
                items = self._pop_mark()
                st.append(dict(_pairs(items)))
            elif code == "APPEND":
                value = st.pop()
                if isinstance(st[-1], list):
                    st[-1].append(value)
            elif code in ("APPENDS", "ADDITEMS"):
                items = self._pop_mark()
                if isinstance(st[-1], list):
                    st[-1].extend(items)
            elif code == "SETITEM":
                value, key = st.pop(), st.pop()
                if isinstance(st[-1], dict):
                    _setitem(st[-1], key, value)
            elif code == "SETITEMS":
                items = self._pop_mark()
                if isinstance(st[-1], dict):
                    for key, value in _pairs(items):
                        _setitem(st[-1], key, value)
            elif code == "GLOBAL":
                module, _, name = str(arg).partition(" ")
                st.append(self._global(module, name))
            elif code == "STACK_GLOBAL":
                name, module = st.pop(), st.pop()
                st.append(self._global(module, name))
            elif code == "INST":
                module, _, name = str(arg).partition(" ")
                st.append(_Call(self._global(module, name), tuple(self._pop_mark())))
            elif code == "OBJ":
                items = self._pop_mark()
                if not items or not isinstance(items[0], _Global):
                    raise _ScanError("OBJ on something that is not a global (indirection)")
                st.append(_Call(items[0], tuple(items[1:])))
            elif code in ("REDUCE", "NEWOBJ"):
                args, func = st.pop(), st.pop()
                if not isinstance(func, _Global):
                    raise _ScanError("a call on a computed callable (indirection)")
                st.append(_Call(func, args))
            elif code == "NEWOBJ_EX":
                _kwargs, args, cls = st.pop(), st.pop(), st.pop()
                if not isinstance(cls, _Global):
                    raise _ScanError("a call on a computed class (indirection)")
                st.append(_Call(cls, args))
            elif code == "BUILD":
                state = st.pop()
                target = st[-1]
                if isinstance(target, _Call):
                    target.state = state
                    if _dotted(target.func) == _JOBLIB_WRAPPER:
                        self._skip_joblib_array(state)
            elif code in ("PERSID", "BINPERSID"):
                if code == "BINPERSID":
                    st.pop()
                st.append(_Opaque())
            elif code in ("EXT1", "EXT2", "EXT4"):
                raise _ScanError("a copyreg extension code (cannot tell what it imports)")
            elif code in ("NEXT_BUFFER",):
                st.append(_Opaque())
            elif code in ("READONLY_BUFFER",):
                continue
            elif code == "POP":
                st.pop()
            elif code == "POP_MARK":
                self._pop_mark()
            elif code == "DUP":
                st.append(st[-1])
            else:
                raise _ScanError(f"opcode {code} is not understood")
        raise _ScanError("the pickle ends without STOP")

    def _skip_joblib_array(self, state: Any) -> None:
        """joblib writes a NumPy array's raw bytes (or a nested pickle) after its wrapper."""
        if not isinstance(state, dict):
            raise _ScanError("a joblib array wrapper without state")
        dtype, shape = state.get("dtype"), state.get("shape")
        code = dtype.args[0] if isinstance(dtype, _Call) and isinstance(dtype.args, tuple) else None
        if not isinstance(code, str) or not isinstance(shape, tuple):
            raise _ScanError("a joblib array wrapper with an unreadable dtype or shape")
        if code.startswith("O"):
            nested = _Machine(self.stream, self.found)
            nested.run()
            return
        match = re.fullmatch(r"[a-zA-Z]+(\d+)", code)
        if match is None or not all(isinstance(n, int) for n in shape):
            raise _ScanError(f"a joblib array of dtype {code!r} cannot be measured")
        nbytes = math.prod(shape) * int(match.group(1))
        if state.get("numpy_array_alignment_bytes") is not None:
            pad = self.stream.read(1)
            if len(pad) != 1:
                raise _ScanError("a joblib array is cut short")
            nbytes += pad[0]
        here = self.stream.tell()
        if here + nbytes > len(self.stream.getbuffer()):
            raise _ScanError("a joblib array is cut short")
        self.stream.seek(here + nbytes)


def _int(arg: Any) -> int:
    if not isinstance(arg, int):
        raise _ScanError("a memo index that is not a number")
    return arg


def _dotted(value: Any) -> str | None:
    return f"{value.module}.{value.name}" if isinstance(value, _Global) else None


def _pairs(items: list[Any]) -> list[tuple[Any, Any]]:
    return [(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]


def _setitem(target: dict[Any, Any], key: Any, value: Any) -> None:
    with contextlib.suppress(TypeError):  # an unhashable symbolic key: only globals matter
        target[key] = value


# -- containers and entry points ------------------------------------------------------------


def _decompress(data: bytes) -> tuple[str, bytes] | None:
    """joblib's compressions, by magic bytes."""
    try:
        if data[:2] == b"\x1f\x8b":
            return "gzip", gzip.decompress(data)
        if data[:3] == b"BZh":
            return "bz2", bz2.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00" or data[:3] == b"\x5d\x00\x00":
            return "xz", lzma.decompress(data)
        if data[:1] == b"\x78" and len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0:
            out = zlib.decompressobj()
            raw = out.decompress(data, _MAX_DECOMPRESSED)
            return "zlib", raw
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError):
        return None
    return None


def _walk_pickle(data: bytes, found: list[tuple[str, str]]) -> None:
    machine = _Machine(io.BytesIO(data), found)
    try:
        machine.run()
    except _ScanError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, AttributeError) as exc:
        raise _ScanError(f"not a readable pickle ({exc})") from exc


def scan_bytes(data: bytes, trusted: Sequence[str] = (), *, name: str = "data") -> ScanReport:
    """Scan the bytes of a pickle, joblib, cloudpickle or zip (torch.save) file."""
    found: list[tuple[str, str]] = []
    fmt = "pickle"
    error: str | None
    try:
        if data[:4] == b"PK\x03\x04":
            fmt = "zip"
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [
                    info.filename
                    for info in archive.infolist()
                    if info.filename.endswith(".pkl") or archive.read(info)[:1] == b"\x80"
                ]
                if not members:
                    raise _ScanError("a zip file without a pickle inside")
                for member in members:
                    _walk_pickle(archive.read(member), found)
        else:
            unpacked = _decompress(data)
            if unpacked is not None:
                fmt, data = f"joblib+{unpacked[0]}", unpacked[1]
            _walk_pickle(data, found)
    except (_ScanError, zipfile.BadZipFile) as exc:
        error = f"{name}: {exc}"
    else:
        error = None
    names = sorted({f"{module}:{attr}" for module, attr in found})
    denied, unknown = check_globals(names, trusted)
    return ScanReport(
        format=fmt,
        globals=sorted({n.replace(":", ".") for n in names}),
        denied=denied,
        unknown=unknown,
        error=error,
    )


def scan_file(path: Path, trusted: Sequence[str] = ()) -> ScanReport:
    return scan_bytes(path.read_bytes(), trusted, name=path.name)


def ensure_safe(report: ScanReport, what: str) -> None:
    """Raise :class:`UnsafeModel` unless ``report`` is safe, naming what was found."""
    if report.safe:
        return
    if report.denied:
        listed = ", ".join(f"{g} ({why})" for g, why in sorted(report.denied.items()))
        raise UnsafeModel(
            f"{what} is refused: it would call {listed}",
            "do not load it; re-save the model from trusted code in a safe format "
            "(skops, ONNX, safetensors)",
        )
    if report.error:
        raise UnsafeModel(
            f"{what} is refused: the scan could not read it completely ({report.error})",
            "re-save it with pickle or joblib from trusted code, or use a safe format",
        )
    listed = ", ".join(report.unknown)
    raise UnsafeModel(
        f"{what} imports globals that are not on the allow-list: {listed}",
        f"if you trust them, pass trusted={report.unknown!r}",
    )
