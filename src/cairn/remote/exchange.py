"""Moving versions between a server and other registries, and loading models from it."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import quote

from cairn.catalog.records import VersionRecord
from cairn.errors import CairnError
from cairn.registry.base import Progress
from cairn.registry.checkouts import verify_tree
from cairn.remote.base import RemoteBase
from cairn.remote.transfer import download, upload
from cairn.store import TransferStats

if TYPE_CHECKING:
    from cairn.flavors import Predictor
    from cairn.registry import Registry
    from cairn.remote.client import RemoteRegistry

__all__ = ["ExchangeMixin"]


class ExchangeMixin(RemoteBase):
    def receive(
        self, source: Registry, v: VersionRecord, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Take version ``v`` of the local registry ``source`` (``source.push(ref, to=self)``)."""
        stats = upload(self.session, source.store, v.digest, v.model, progress)
        body = v.model_dump(mode="json")
        data = self.session.json("POST", f"/api/v1/models/{quote(v.model)}/adopt", json=body)
        return VersionRecord.model_validate(data), stats

    def adopt(self, v: VersionRecord) -> VersionRecord:
        """Record a version copied from elsewhere whose artifact is already on the server."""
        body = v.model_dump(mode="json")
        path = f"/api/v1/models/{quote(v.model)}/adopt"
        return VersionRecord.model_validate_json(self.session.raw("POST", path, json=body))

    def push(
        self, ref: str, to: Registry | RemoteBase, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version from this server into ``to``; only the chunks it lacks move."""
        v = self.resolve(ref)
        if isinstance(to, RemoteBase):
            download(self.session, v.digest, self.cache)
            stats = upload(to.session, self.cache, v.digest, v.model, progress)
            data = to.session.json(
                "POST", f"/api/v1/models/{quote(v.model)}/adopt", json=v.model_dump(mode="json")
            )
            return VersionRecord.model_validate(data), stats
        stats = download(self.session, v.digest, to.store, progress)
        return to.adopt(v), stats

    def pull(
        self, ref: str, source: Registry | ExchangeMixin, *, progress: Progress | None = None
    ) -> tuple[VersionRecord, TransferStats]:
        """Copy one version from ``source`` into this server."""
        me = cast("RemoteRegistry", self)
        if isinstance(source, ExchangeMixin):
            return source.push(ref, me, progress=progress)
        return source.push(ref, me, progress=progress)

    def checkout_cached(self, v: VersionRecord) -> Path:
        """A verified checkout of ``v`` in the local cache (downloaded once, reused)."""
        root = self.settings.home / "cache" / v.digest.replace(":", "-")
        if root.exists():
            try:
                verify_tree(self.cache.snapshot(v.digest), root)
            except (CairnError, OSError):
                shutil.rmtree(root)
        if not root.exists():
            download(self.session, v.digest, self.cache)
            root.parent.mkdir(parents=True, exist_ok=True)
            self.cache.checkout(v.digest, root)
        return root

    def load_model(
        self,
        ref: str,
        *,
        strict: bool = False,
        trusted: Sequence[str] = (),
        use_onnx: bool = False,
    ) -> Predictor:
        """A predictor for ``ref``: its files come through the local chunk cache, verified."""
        from cairn.flavors import load_predictor

        v = self.resolve(ref)
        return load_predictor(
            self.checkout_cached(v), v.meta, strict=strict, trusted=trusted, use_onnx=use_onnx
        )

    def read_file(self, ref: str, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of one file of a version (a ranged read; nothing cached)."""
        v = self.resolve(ref)
        last = "" if end is None else str(end - 1)
        answer = self.session.request(
            "GET",
            f"/api/v1/artifacts/{quote(v.digest)}/files/{quote(path)}",
            headers={"Range": f"bytes={start}-{last}"},
        )
        return answer.content
