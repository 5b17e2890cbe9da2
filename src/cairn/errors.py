"""The one error tree of cairn.

Every error cairn raises on purpose is a :class:`CairnError`. Each class has

* ``code``: a stable, machine-readable name. The server sends it as ``{"code", "message",
  "hint"}`` and :func:`from_code` turns it back into the same class on the client;
* ``exit_code``: what the ``cairn`` command exits with (documented in ``docs/cli.md``);
* ``http_status``: what the server answers with.

A message says what went wrong; the ``hint`` says what to do about it. ``str(error)`` is the
one line the CLI prints: ``"<message>; <hint>"``.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AliasConflict",
    "AlreadyExists",
    "AmbiguousRef",
    "ArtifactTooLarge",
    "AuthenticationRequired",
    "BadRef",
    "CairnError",
    "CatalogError",
    "ChunkMissing",
    "CorruptData",
    "EnvironmentMismatch",
    "FlavorError",
    "InvalidInput",
    "InvalidPath",
    "LockTimeout",
    "ModelUnavailable",
    "NotFound",
    "PermissionDenied",
    "PolicyViolation",
    "RateLimited",
    "RemoteError",
    "SchemaMismatch",
    "SignatureMismatch",
    "StoreError",
    "StoreFormatError",
    "UnreadableFile",
    "UnsafeModel",
    "UnsupportedFile",
    "VersionExists",
    "from_code",
]


class CairnError(Exception):
    """Base class: a message, a hint that says what to do, and stable codes."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    default_hint: ClassVar[str] = "run again with --debug for details, or report a bug"

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "hint": self.hint}


class InvalidInput(CairnError):
    """The caller passed something cairn cannot use."""

    code = "invalid_input"
    exit_code = 2
    http_status = 400
    default_hint = "check the arguments (see --help)"


class BadRef(InvalidInput):
    """A ref that does not parse, or names nothing."""

    code = "bad_ref"
    default_hint = "use name@alias, name/3, name/latest or name:<digest prefix>"


class AmbiguousRef(BadRef):
    code = "ambiguous_ref"
    default_hint = "give more characters of the digest"


class InvalidPath(InvalidInput):
    """A path that would escape the artifact tree (``..``, absolute, symlink out)."""

    code = "invalid_path"
    default_hint = "use relative paths inside the artifact directory"


class UnsupportedFile(InvalidInput):
    """A device file, socket or fifo in a tree to snapshot."""

    code = "unsupported_file"
    default_hint = "remove it from the directory or list only regular files"


class UnreadableFile(InvalidInput):
    code = "unreadable_file"
    default_hint = "fix its permissions (chmod u+r) or leave it out"


class ArtifactTooLarge(InvalidInput):
    code = "too_large"
    http_status = 413
    default_hint = "raise the server's upload limit (CAIRN_MAX_UPLOAD_BYTES) or split the upload"


class SchemaMismatch(InvalidInput):
    """Data that does not fit a model's input signature."""

    code = "schema_mismatch"
    default_hint = "send data that matches the model's signature (cairn show REF)"


class NotFound(CairnError):
    code = "not_found"
    exit_code = 3
    http_status = 404
    default_hint = "check the name (cairn models, cairn versions NAME)"


class AlreadyExists(CairnError):
    code = "already_exists"
    exit_code = 4
    http_status = 409
    default_hint = "pick another name, or use the existing one"


class VersionExists(AlreadyExists):
    """Logging bytes that an existing version already holds, with ``unique=True``."""

    code = "version_exists"
    exit_code = 4
    http_status = 409
    default_hint = "drop --unique to log a new version that reuses the stored bytes"


class AliasConflict(CairnError):
    """A compare-and-set on an alias lost the race."""

    code = "alias_conflict"
    exit_code = 4
    http_status = 409
    default_hint = "read the alias again (cairn alias history) and retry with the version you saw"


class LockTimeout(CairnError):
    code = "lock_timeout"
    exit_code = 4
    http_status = 409
    default_hint = "another gc or compaction is running; wait for it and retry"


class PolicyViolation(CairnError):
    code = "policy_violation"
    exit_code = 5
    http_status = 422
    default_hint = "meet the failed gates listed above, or promote to another alias"


class UnsafeModel(CairnError):
    code = "unsafe_model"
    exit_code = 5
    http_status = 422
    default_hint = (
        "use a safe format (skops, ONNX, safetensors) or pass unsafe=True if you trust it"
    )


class ModelUnavailable(CairnError):
    """A served model cannot answer now: not loaded, failed to load, stopped, or crashed."""

    code = "model_unavailable"
    exit_code = 8
    http_status = 503
    default_hint = "the server keeps running; check its log, or move the alias to a good version"


class SignatureMismatch(CairnError):
    """A version's registry signature does not verify."""

    code = "signature_mismatch"
    exit_code = 6
    http_status = 422
    default_hint = "do not use this version; run cairn fsck and check the audit log"


class StoreError(CairnError):
    code = "store_error"
    exit_code = 6
    default_hint = "run cairn fsck to see what is damaged"


class CorruptData(StoreError):
    """Bytes that do not hash to their id: never returned, always raised."""

    code = "corrupt_data"


class ChunkMissing(StoreError):
    code = "chunk_missing"


class StoreFormatError(StoreError):
    code = "store_format"
    default_hint = "upgrade cairn, or open the store with the version that wrote it"


class CatalogError(CairnError):
    code = "catalog_error"
    exit_code = 6
    default_hint = "check the catalog URL and that the database is reachable"


class FlavorError(CairnError):
    code = "flavor_error"
    exit_code = 1
    http_status = 422
    default_hint = "install the model's framework (see cairn show REF) or pick another flavor"


class EnvironmentMismatch(CairnError):
    code = "environment_mismatch"
    exit_code = 1
    http_status = 422
    default_hint = "install the versions listed by cairn env diff REF"


class AuthenticationRequired(CairnError):
    code = "unauthenticated"
    exit_code = 7
    http_status = 401
    default_hint = "log in with cairn login, or pass a token"


class PermissionDenied(CairnError):
    code = "permission_denied"
    exit_code = 7
    http_status = 403
    default_hint = "ask a maintainer of the model for the role you need"


class RateLimited(CairnError):
    """Too many failed logins (or requests) from one user and address."""

    code = "rate_limited"
    exit_code = 7
    http_status = 429
    default_hint = "wait a few minutes before trying again"


class RemoteError(CairnError):
    code = "remote_error"
    exit_code = 8
    http_status = 502
    default_hint = "check that the server is running and reachable"


def _all_subclasses(cls: type[CairnError]) -> list[type[CairnError]]:
    found: list[type[CairnError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def from_code(code: str, message: str, hint: str | None = None) -> CairnError:
    """Rebuild the exception a server reported as ``{code, message, hint}``."""
    candidates: list[type[CairnError]] = [CairnError, *_all_subclasses(CairnError)]
    for cls in candidates:
        if cls.code == code:
            return cls(message, hint)
    return RemoteError(message, hint)
