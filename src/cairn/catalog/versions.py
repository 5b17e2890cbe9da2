"""Versions: numbered, immutable snapshots (only description, tags and status change)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.catalog.driver_sql import fetch_one, json_value
from cairn.catalog.events import ChainWriter
from cairn.catalog.models import ModelOps
from cairn.catalog.records import Dataset, GitInfo, Status, VersionKey, VersionRecord
from cairn.catalog.rows import (
    LATEST_VERSION,
    SEARCH_TEXT_LIMIT,
    VERSION_BY_NUMBER,
    check_metrics,
    check_params,
    check_tags,
    param_number,
    param_text,
    row_to_version,
    version_select,
)
from cairn.catalog.schema import (
    ALIASES,
    DATASETS,
    METRICS,
    MODELS,
    PARAMS,
    PARENTS,
    TAGS,
    VERSIONS,
    to_micros,
)
from cairn.digest import canonical_json
from cairn.errors import BadRef, InvalidInput, NotFound
from cairn.refs import check_name

__all__ = ["TRANSITIONS", "VersionOps"]

_DIGEST = re.compile(r"[a-z0-9]{1,16}:[0-9a-f]{8,64}")
_HEX = re.compile(r"[0-9a-f]{1,64}")

# status -> the statuses it may move to. Deleting is reversible until the rows are purged.
TRANSITIONS: dict[str, frozenset[str]] = {
    "ready": frozenset({"archived", "deleted"}),
    "archived": frozenset({"ready", "deleted"}),
    "deleted": frozenset({"ready", "archived"}),
}
_STATUS_ACTION = {"ready": "version.restore", "archived": "version.archive"}


def _check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise InvalidInput(
            f"{digest!r} is not an artifact digest", "pass the store's id, e.g. blake3:<hex>"
        )
    return digest


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds [low, high) of the digests starting with ``prefix`` (``ab12``, ``blake3:ab12``):
    a range, so the digest index serves it."""
    algorithm, colon, hex_part = prefix.lower().rpartition(":")
    algorithm = (algorithm or "blake3") + ":"
    if not _HEX.fullmatch(hex_part) or (colon and not _DIGEST.fullmatch(algorithm + "0" * 8)):
        raise BadRef(f"{prefix!r} is not a digest prefix", "give hex digits of the artifact digest")
    stripped = hex_part.rstrip("f")
    if not stripped:  # ab.. all f: everything up to the end of this algorithm's ids
        return algorithm + hex_part, algorithm[:-1] + ";"  # ';' sorts right after ':'
    digits = "0123456789abcdef"
    bumped = stripped[:-1] + digits[digits.index(stripped[-1]) + 1]
    return algorithm + hex_part, algorithm + bumped


# Creating a version runs these two as driver SQL (see driver_sql.py).
_SQL_BUMP_NUMBER = (
    "UPDATE models SET last_number = last_number + 1, latest_number = last_number + 1, "
    "version_count = version_count + 1, updated = :now WHERE name = :model "
    "RETURNING id, last_number"
)
_SQL_INSERT_VERSION = (
    "INSERT INTO versions (model_id, number, digest, size, file_count, flavor, description, "
    "author, created, status, status_changed, params, metrics, tags, git, parents, datasets, "
    "meta) VALUES (:model_id, :number, :digest, :size, :file_count, :flavor, :description, "
    ":author, :created, 'ready', NULL, :params!json, :metrics!json, :tags!json, :git!json, "
    ":parents!json, :datasets!json, :meta!json) RETURNING id"
)


class VersionOps(ModelOps):
    # -- create ------------------------------------------------------------------------------

    def create_version(
        self,
        model: str,
        *,
        digest: str,
        size: int,
        file_count: int,
        author: str,
        actor: str,
        flavor: str | None = None,
        params: dict[str, Any] | None = None,
        metrics: dict[str, Any] | None = None,
        tags: dict[str, Any] | None = None,
        description: str = "",
        git: GitInfo | None = None,
        parents: Sequence[VersionKey] = (),
        datasets: Sequence[Dataset] = (),
        meta: dict[str, Any] | None = None,
    ) -> VersionRecord:
        """Register version N+1 of ``model`` (created if missing). The number is allocated in
        the writers' transaction, so concurrent writers never collide."""
        check_name(model)
        _check_digest(digest)
        if size < 0 or file_count < 0:
            raise InvalidInput("size and file_count cannot be negative")
        clean_params = check_params(params)
        clean_metrics = check_metrics(metrics)
        clean_tags = check_tags(tags)
        parent_keys = [VersionKey.model_validate(p) for p in parents]
        dataset_list = [Dataset.model_validate(d) for d in datasets]
        meta = dict(meta or {})
        try:
            meta_json = canonical_json(meta)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"meta is not plain JSON: {exc}") from exc
        git_dict = None if git is None else GitInfo.model_validate(git).model_dump()
        parent_dicts = [p.model_dump() for p in parent_keys]
        dataset_dicts = [d.model_dump() for d in dataset_list]

        with self._write() as chain:
            conn, now = chain.conn, chain.now
            for parent in parent_keys:
                self._check_parent(conn, parent)
            model_id, number = self._allocate_number(chain, model, actor)
            inserted = chain.sql.one(
                _SQL_INSERT_VERSION,
                {
                    "model_id": model_id,
                    "number": number,
                    "digest": digest,
                    "size": size,
                    "file_count": file_count,
                    "flavor": flavor,
                    "description": description,
                    "author": author,
                    "created": to_micros(now),
                    "params": json_value(clean_params),
                    "metrics": json_value(clean_metrics),
                    "tags": json_value(clean_tags),
                    "git": json_value(git_dict),
                    "parents": json_value(parent_dicts),
                    "datasets": json_value(dataset_dicts),
                    "meta": meta_json.decode(),  # canonical JSON is JSON: encoded once
                },
            )
            assert inserted is not None, "INSERT ... RETURNING returned no row"
            version_id = int(inserted[0])
            self._insert_search_rows(
                conn, version_id, model_id, clean_params, clean_metrics, clean_tags
            )
            if parent_keys:
                conn.execute(
                    PARENTS.insert(),
                    [
                        {
                            "version_id": version_id,
                            "position": i,
                            "parent_model": p.model,
                            "parent_number": p.number,
                        }
                        for i, p in enumerate(parent_keys)
                    ],
                )
            if dataset_list:
                conn.execute(
                    DATASETS.insert(),
                    [
                        {"version_id": version_id, "position": i, **d}
                        for i, d in enumerate(dataset_dicts)
                    ],
                )
            after = {
                "digest": digest,
                "size": size,
                "file_count": file_count,
                "flavor": flavor,
                "author": author,
                "description": description,
                "params": clean_params,
                "metrics": clean_metrics,
                "tags": clean_tags,
                "git": git_dict,
                "parents": [str(p) for p in parent_keys],
                "datasets": dataset_dicts,
                "meta_sha256": hashlib.sha256(meta_json).hexdigest(),
            }
            chain.append("version.create", f"{model}/{number}", actor=actor, after=after)
        return VersionRecord(
            model=model,
            number=number,
            digest=digest,
            size=size,
            file_count=file_count,
            flavor=flavor,
            params=clean_params,
            metrics=clean_metrics,
            tags=clean_tags,
            description=description,
            author=author,
            created=now,
            git=git_dict and GitInfo(**git_dict),
            parents=parent_keys,
            datasets=dataset_list,
            meta=meta,
        )

    def _allocate_number(self, chain: ChainWriter, model: str, actor: str) -> tuple[int, int]:
        params = {"model": model, "now": to_micros(chain.now)}
        row = chain.sql.one(_SQL_BUMP_NUMBER, params)
        if row is None:
            self._insert_model(chain, model, description="", owner=None, tags={}, actor=actor)
            row = chain.sql.one(_SQL_BUMP_NUMBER, params)
            assert row is not None, "the model was just inserted"
        return int(row[0]), int(row[1])

    def _check_parent(self, conn: Connection, parent: VersionKey) -> None:
        model_id = self._model_id(conn, parent.model)
        self._version_id(conn, model_id, parent.model, parent.number)

    @staticmethod
    def _insert_search_rows(
        conn: Connection,
        version_id: int,
        model_id: int,
        params: dict[str, Any],
        metrics: dict[str, float],
        tags: dict[str, str],
    ) -> None:
        if params:
            conn.execute(
                PARAMS.insert(),
                [
                    {
                        "version_id": version_id,
                        "key": k,
                        "value_text": param_text(v),
                        "value_num": param_number(v),
                    }
                    for k, v in params.items()
                ],
            )
        if metrics:
            conn.execute(
                METRICS.insert(),
                [
                    {"version_id": version_id, "model_id": model_id, "key": k, "value": v}
                    for k, v in metrics.items()
                ],
            )
        if tags:
            conn.execute(
                TAGS.insert(),
                [
                    {
                        "version_id": version_id,
                        "model_id": model_id,
                        "key": k,
                        "value": v[:SEARCH_TEXT_LIMIT],
                    }
                    for k, v in tags.items()
                ],
            )

    # -- read --------------------------------------------------------------------------------

    def _load_version(self, conn: Connection, model: str, number: int) -> VersionRecord:
        row = fetch_one(conn, VERSION_BY_NUMBER, {"model": model, "number": number})
        if row is None:
            self._model_id(conn, model)
            raise self._version_not_found(conn, model, number)
        return row_to_version(row)

    def get_version(self, model: str, number: int) -> VersionRecord:
        with self._read(single=True) as conn:
            return self._load_version(conn, model, number)

    def latest_version(self, model: str) -> VersionRecord:
        """The highest-numbered version that is not deleted."""
        with self._read(single=True) as conn:
            row = fetch_one(conn, LATEST_VERSION, {"model": model})
            if row is None:
                self._model_id(conn, model)
                raise NotFound(
                    f"model {model!r} has no versions",
                    f"log one with: cairn log PATH --model {model}",
                )
            return row_to_version(row)

    def find_versions(self, model: str, digest_prefix: str) -> list[VersionRecord]:
        """Versions of ``model`` whose artifact digest starts with ``digest_prefix`` (hex,
        with or without ``blake3:``), oldest first."""
        low, high = _prefix_range(digest_prefix)
        cond = sa.and_(VERSIONS.c.digest >= low, VERSIONS.c.digest < high)
        with self._read() as conn:
            model_id = self._model_id(conn, model)
            rows = conn.execute(
                version_select()
                .where(VERSIONS.c.model_id == model_id, cond)
                .order_by(VERSIONS.c.number)
            ).all()
            return [row_to_version(r) for r in rows]

    def versions_with_digest(self, digest: str) -> list[VersionRecord]:
        """Every version, in any model, whose artifact is exactly ``digest``."""
        with self._read() as conn:
            rows = conn.execute(
                version_select()
                .where(VERSIONS.c.digest == digest)
                .order_by(MODELS.c.name, VERSIONS.c.number)
            ).all()
            return [row_to_version(r) for r in rows]

    def referenced_digests(self) -> set[str]:
        """The artifact digests of every version still in the catalog, whatever its status."""
        with self._read() as conn:
            return set(conn.execute(sa.select(VERSIONS.c.digest).distinct()).scalars())

    # -- change ------------------------------------------------------------------------------

    def update_version(
        self,
        model: str,
        number: int,
        *,
        description: str | None = None,
        tags: dict[str, Any] | None = None,
        remove_tags: Iterable[str] = (),
        status: Status | None = None,
        actor: str,
    ) -> VersionRecord:
        """Change what may change: the description, tags (merged; ``remove_tags`` taken out)
        and status (ready <-> archived, ready/archived -> deleted, deleted -> ready/archived
        until purged). Nothing changed, nothing recorded."""
        new_tags = check_tags(tags)
        removed = set(remove_tags)
        if status is not None and status not in TRANSITIONS:
            raise InvalidInput(
                f"{status!r} is not a version status", "use ready, archived or deleted"
            )
        with self._write() as chain:
            conn = chain.conn
            current = self._load_version(conn, model, number)
            row = conn.execute(
                sa.select(VERSIONS.c.id, VERSIONS.c.model_id)
                .join(MODELS, MODELS.c.id == VERSIONS.c.model_id)
                .where(MODELS.c.name == model, VERSIONS.c.number == number)
            ).one()
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            values: dict[str, Any] = {}
            if description is not None and description != current.description:
                before["description"], after["description"] = current.description, description
                values["description"] = description
            merged = {k: v for k, v in {**current.tags, **new_tags}.items() if k not in removed}
            if merged != current.tags:
                before["tags"], after["tags"] = current.tags, merged
                values["tags"] = merged
                conn.execute(sa.delete(TAGS).where(TAGS.c.version_id == row.id))
                self._insert_search_rows(conn, row.id, row.model_id, {}, {}, merged)
            action = "version.update"
            if status is not None and status != current.status:
                self._change_status(conn, current, status, row.model_id)
                before["status"], after["status"] = current.status, status
                values["status"], values["status_changed"] = status, chain.now
                action = _STATUS_ACTION.get(status, "version.delete")
            if not values:
                return current
            conn.execute(sa.update(VERSIONS).where(VERSIONS.c.id == row.id).values(**values))
            chain.append(action, f"{model}/{number}", actor=actor, before=before, after=after)
            return self._load_version(conn, model, number)

    def _change_status(
        self, conn: Connection, current: VersionRecord, status: str, model_id: int
    ) -> None:
        if status not in TRANSITIONS[current.status]:
            raise InvalidInput(f"{current.ref} is {current.status}; it cannot become {status}")
        if status == "deleted" and current.aliases:
            names = ", ".join(f"{current.model}@{a}" for a in current.aliases)
            raise InvalidInput(
                f"{current.ref} is held by {names}",
                "move or remove those aliases first (cairn alias set / cairn alias rm)",
            )
        if status == "deleted":
            live = conn.execute(
                sa.select(sa.func.max(VERSIONS.c.number)).where(
                    VERSIONS.c.model_id == model_id,
                    VERSIONS.c.status != "deleted",
                    VERSIONS.c.number != current.number,
                )
            ).scalar()
            conn.execute(
                sa.update(MODELS)
                .where(MODELS.c.id == model_id)
                .values(version_count=MODELS.c.version_count - 1, latest_number=live)
            )
        elif current.status == "deleted":
            conn.execute(
                sa.update(MODELS)
                .where(MODELS.c.id == model_id)
                .values(
                    version_count=MODELS.c.version_count + 1,
                    latest_number=sa.case(
                        (MODELS.c.latest_number > current.number, MODELS.c.latest_number),
                        else_=current.number,
                    ),
                )
            )

    def purge_deleted(self, before: datetime, *, actor: str) -> list[VersionRecord]:
        """Hard-remove versions deleted before ``before``; returns what was removed (the
        registry then lets ``gc`` reclaim bytes no version references)."""
        with self._write() as chain:
            conn = chain.conn
            rows = conn.execute(
                version_select()
                .where(VERSIONS.c.status == "deleted", VERSIONS.c.status_changed < before)
                .order_by(VERSIONS.c.id)
            ).all()
            if not rows:
                return []
            ids = [r.id for r in rows]
            conn.execute(sa.delete(ALIASES).where(ALIASES.c.version_id.in_(ids)))
            conn.execute(sa.delete(VERSIONS).where(VERSIONS.c.id.in_(ids)))
            records = [row_to_version(r) for r in rows]
            for record in records:
                chain.append(
                    "version.purge",
                    record.ref,
                    actor=actor,
                    before={"digest": record.digest, "status": "deleted"},
                )
            return records
