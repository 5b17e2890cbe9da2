"""Hand-made malicious pickles. They are only ever scanned, never loaded."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import zipfile


class _CallsSystem:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned > /tmp/cairn-pwned",))


def direct_os_system(protocol: int = pickle.HIGHEST_PROTOCOL) -> bytes:
    return pickle.dumps(_CallsSystem(), protocol=protocol)


# importlib.import_module("os") -> getattr(os, "system") -> system("echo")
VIA_IMPORTLIB = (
    b"cbuiltins\ngetattr\n(cimportlib\nimport_module\n(S'os'\ntRS'system'\ntR(S'echo pwned'\ntR."
)
# importlib alone (the getattr is hidden behind an allowed-looking name would still be found)
VIA_IMPORT_MODULE_ONLY = b"cimportlib\nimport_module\n(S'os'\ntR."
VIA_EVAL = b'cbuiltins\neval\n(S\'__import__("os").system("echo pwned")\'\ntR.'
VIA_DUNDER_IMPORT = b"cbuiltins\n__import__\n(S'os'\ntR."
# protocol 4 STACK_GLOBAL whose names come from the memo
VIA_MEMO_STACK_GLOBAL = (
    b"\x80\x04\x8c\x05posix\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x04echo\x85R."
)
# STACK_GLOBAL on a computed module name: str("os") is a call result, not a literal
VIA_COMPUTED_NAME = b"\x80\x04cbuiltins\nstr\n\x8c\x02os\x85R\x8c\x06system\x93\x8c\x04echo\x85R."


def in_zip(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", payload)
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


def gzipped(payload: bytes) -> bytes:
    return gzip.compress(payload, mtime=0)
