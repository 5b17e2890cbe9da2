"""S3-compatible object storage through obstore: ranged reads, parallel multipart uploads."""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cairn.errors import LockTimeout, StoreError
from cairn.store.backends.base import ObjectInfo, check_key

__all__ = ["S3Backend"]

UPLOAD_PART_SIZE = 8 * 1024 * 1024
UPLOAD_CONCURRENCY = 8
LOCK_LEASE_SECONDS = 6 * 3600.0


def _unreachable(url: str, error: Exception) -> StoreError:
    return StoreError(
        f"object storage {url} failed: {error}",
        "check CAIRN_S3_ENDPOINT, the bucket name and the AWS_* credentials",
    )


class _SpooledUpload:
    """Bytes spooled to a local temporary file, uploaded in parallel parts on commit."""

    def __init__(self, backend: S3Backend) -> None:
        self._backend = backend
        self._file: Any = tempfile.NamedTemporaryFile(prefix="cairn-pack-", delete=False)  # noqa: SIM115

    def write(self, data: bytes | bytearray | memoryview) -> None:
        try:
            self._file.write(data)
        except OSError as error:
            self.abort()
            raise StoreError(
                f"could not spool a pack for {self._backend.url} to {self._file.name}: {error}",
                "free space in the temporary folder (TMPDIR) and retry",
            ) from error

    def write_many(self, parts: Sequence[bytes | bytearray | memoryview]) -> None:
        for part in parts:
            self.write(part)

    def commit(self, key: str) -> None:
        import obstore

        self._file.close()
        check_key(key)
        try:
            obstore.put(
                self._backend.store,
                key,
                Path(self._file.name),
                chunk_size=UPLOAD_PART_SIZE,
                max_concurrency=UPLOAD_CONCURRENCY,
            )
        except Exception as error:
            raise _unreachable(self._backend.url, error) from error
        finally:
            Path(self._file.name).unlink(missing_ok=True)

    def abort(self) -> None:
        self._file.close()
        Path(self._file.name).unlink(missing_ok=True)


class S3Backend:
    """``s3://bucket/prefix``; endpoint and credentials from settings and ``AWS_*``."""

    def __init__(self, url: str, *, endpoint: str | None = None) -> None:
        from obstore.store import S3Store

        parsed = urlparse(url)
        self.url = url
        options: dict[str, Any] = {}
        config: dict[str, Any] = {}
        if endpoint:
            config["endpoint"] = endpoint
            if endpoint.startswith("http://"):
                options["allow_http"] = True
        if not os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION"):
            config["region"] = "us-east-1"
        prefix = parsed.path.strip("/") or None
        self.store = S3Store(parsed.netloc, prefix=prefix, config=config, client_options=options)  # type: ignore[arg-type]

    def put(self, key: str, data: bytes) -> None:
        import obstore

        check_key(key)
        try:
            obstore.put(self.store, key, data)
        except Exception as error:
            raise _unreachable(self.url, error) from error

    def get(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            if start == 0 and end is None:
                return bytes(obstore.get(self.store, check_key(key)).bytes())
            if end is None:
                end = self.size(key)
            if end <= start:
                return b""
            return bytes(obstore.get_range(self.store, check_key(key), start=start, end=end))
        except (NotFoundError, FileNotFoundError):
            raise KeyError(key) from None

    def size(self, key: str) -> int:
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            return int(obstore.head(self.store, check_key(key))["size"])
        except (NotFoundError, FileNotFoundError):
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except KeyError:
            return False
        return True

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        import obstore

        for batch in obstore.list(self.store, prefix.rstrip("/") or None, chunk_size=1000):
            for meta in batch:
                if meta["path"].startswith(prefix):
                    modified = meta["last_modified"].timestamp()
                    yield ObjectInfo(meta["path"], int(meta["size"]), modified)

    def delete(self, key: str) -> None:
        import obstore

        obstore.delete(self.store, check_key(key))

    def new_blob(self) -> _SpooledUpload:
        return _SpooledUpload(self)

    def create_if_absent(self, key: str, data: bytes) -> bool:
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        try:
            obstore.put(self.store, check_key(key), data, mode="create")
        except (AlreadyExistsError, PreconditionError):
            return False
        return True

    @contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[None]:
        """A lock object created with ``If-None-Match``; a lease older than 6 h is broken."""
        key = f"locks/{name}.lock"
        token = uuid.uuid4().hex
        deadline = time.monotonic() + timeout
        while True:
            body = json.dumps({"owner": token, "expires": time.time() + LOCK_LEASE_SECONDS})
            if self.create_if_absent(key, body.encode()):
                break
            try:
                held = json.loads(self.get(key))
                if float(held.get("expires", 0)) < time.time():
                    self.delete(key)
                    continue
            except (KeyError, ValueError):
                continue
            if time.monotonic() >= deadline:
                raise LockTimeout(f"the {name} lock of {self.url} is held ({key})")
            time.sleep(0.05)
        try:
            yield
        finally:
            self.delete(key)

    def close(self) -> None:
        return None
