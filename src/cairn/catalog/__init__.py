"""cairn.catalog: models, versions, aliases and the audit log in SQL (SQLite or PostgreSQL).

``Catalog(url)`` is the one entry point; values come back as the frozen records of
:mod:`cairn.catalog.records`. This package never imports :mod:`cairn.store`.
"""

from cairn.catalog.base import ANY, AnyVersion, Expected
from cairn.catalog.catalog import Catalog
from cairn.catalog.records import (
    AliasMove,
    AuditReport,
    Dataset,
    Event,
    GitInfo,
    ModelRecord,
    Page,
    VersionKey,
    VersionRecord,
)

__all__ = [
    "ANY",
    "AliasMove",
    "AnyVersion",
    "AuditReport",
    "Catalog",
    "Dataset",
    "Event",
    "Expected",
    "GitInfo",
    "ModelRecord",
    "Page",
    "VersionKey",
    "VersionRecord",
]
