"""cairn.remote: :class:`RemoteRegistry`, the registry API over HTTP (``cairn.open("http://…")``)."""

from cairn.remote.client import RemoteRegistry

__all__ = ["RemoteRegistry"]
