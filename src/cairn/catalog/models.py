"""Models: a named line of versions (create, read, update, delete)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cairn.catalog.base import CatalogBase
from cairn.catalog.events import ChainWriter
from cairn.catalog.records import ModelRecord
from cairn.catalog.rows import MODEL_COLUMNS, SEARCH_TEXT_LIMIT, check_tags, model_records
from cairn.catalog.schema import ALIASES, MODEL_TAGS, MODELS, VERSIONS
from cairn.errors import AlreadyExists
from cairn.refs import check_name

__all__ = ["ModelOps"]


def _model_summary(record: ModelRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "description": record.description,
        "owner": record.owner,
        "tags": record.tags,
    }


class ModelOps(CatalogBase):
    def _insert_model(
        self,
        chain: ChainWriter,
        name: str,
        *,
        description: str,
        owner: str | None,
        tags: dict[str, str],
        actor: str,
    ) -> int:
        conn, now = chain.conn, chain.now
        model_id = conn.execute(
            sa.insert(MODELS)
            .values(
                name=name,
                description=description,
                owner=owner,
                tags=tags,
                created=now,
                updated=now,
                last_number=0,
                latest_number=None,
                version_count=0,
            )
            .returning(MODELS.c.id)
        ).scalar_one()
        if tags:
            conn.execute(
                sa.insert(MODEL_TAGS),
                [
                    {"model_id": model_id, "key": k, "value": v[:SEARCH_TEXT_LIMIT]}
                    for k, v in tags.items()
                ],
            )
        chain.append(
            "model.create",
            name,
            actor=actor,
            after={"name": name, "description": description, "owner": owner, "tags": tags},
        )
        return int(model_id)

    def _load_model(self, conn: Connection, name: str) -> ModelRecord:
        rows = conn.execute(sa.select(*MODEL_COLUMNS).where(MODELS.c.name == name)).all()
        if not rows:
            check_name(name)
            raise self._model_not_found(conn, name)
        return model_records(conn, rows)[0]

    def create_model(
        self,
        name: str,
        *,
        description: str = "",
        owner: str | None = None,
        tags: dict[str, str] | None = None,
        actor: str,
    ) -> ModelRecord:
        """Create a model; :class:`AlreadyExists` if the name is taken."""
        check_name(name)
        clean_tags = check_tags(tags)
        with self._write() as chain:
            exists = chain.conn.execute(
                sa.select(MODELS.c.id).where(MODELS.c.name == name)
            ).scalar()
            if exists is not None:
                raise AlreadyExists(
                    f"model {name!r} already exists",
                    f"pick another name, or log versions into it: cairn log PATH --model {name}",
                )
            self._insert_model(
                chain, name, description=description, owner=owner, tags=clean_tags, actor=actor
            )
            return self._load_model(chain.conn, name)

    def ensure_model(self, name: str, *, actor: str) -> ModelRecord:
        """The model called ``name``, created (empty) if it does not exist yet."""
        check_name(name)
        with self._read() as conn:
            rows = conn.execute(sa.select(*MODEL_COLUMNS).where(MODELS.c.name == name)).all()
            if rows:
                return model_records(conn, rows)[0]
        with self._write() as chain:
            exists = chain.conn.execute(
                sa.select(MODELS.c.id).where(MODELS.c.name == name)
            ).scalar()
            if exists is None:
                self._insert_model(chain, name, description="", owner=None, tags={}, actor=actor)
            return self._load_model(chain.conn, name)

    def get_model(self, name: str) -> ModelRecord:
        """The model called ``name``; :class:`NotFound` naming the closest names otherwise."""
        with self._read() as conn:
            return self._load_model(conn, name)

    def update_model(
        self,
        name: str,
        *,
        description: str | None = None,
        owner: str | None = None,
        tags: dict[str, str] | None = None,
        remove_tags: Iterable[str] = (),
        actor: str,
    ) -> ModelRecord:
        """Change a model's description, owner or tags (``tags`` are merged in,
        ``remove_tags`` taken out). Records a ``model.update`` event if anything changed."""
        new_tags = check_tags(tags)
        removed = set(remove_tags)
        with self._write() as chain:
            conn = chain.conn
            current = self._load_model(conn, name)
            model_id = self._model_id(conn, name)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            values: dict[str, Any] = {}
            if description is not None and description != current.description:
                before["description"], after["description"] = current.description, description
                values["description"] = description
            if owner is not None and owner != current.owner:
                before["owner"], after["owner"] = current.owner, owner
                values["owner"] = owner
            merged = {k: v for k, v in {**current.tags, **new_tags}.items() if k not in removed}
            if merged != current.tags:
                before["tags"], after["tags"] = current.tags, merged
                values["tags"] = merged
                conn.execute(sa.delete(MODEL_TAGS).where(MODEL_TAGS.c.model_id == model_id))
                if merged:
                    conn.execute(
                        sa.insert(MODEL_TAGS),
                        [
                            {"model_id": model_id, "key": k, "value": v[:SEARCH_TEXT_LIMIT]}
                            for k, v in merged.items()
                        ],
                    )
            if not values:
                return current
            values["updated"] = chain.now
            conn.execute(sa.update(MODELS).where(MODELS.c.id == model_id).values(**values))
            chain.append("model.update", name, actor=actor, before=before, after=after)
            return self._load_model(conn, name)

    def delete_model(self, name: str, *, actor: str) -> None:
        """Remove the model with its versions and aliases; their bytes become unreferenced
        (``gc`` reclaims them). The audit log keeps every event about it."""
        with self._write() as chain:
            conn = chain.conn
            record = self._load_model(conn, name)
            model_id = self._model_id(conn, name)
            total = conn.execute(
                sa.select(sa.func.count()).where(VERSIONS.c.model_id == model_id)
            ).scalar_one()
            conn.execute(sa.delete(ALIASES).where(ALIASES.c.model_id == model_id))
            conn.execute(sa.delete(VERSIONS).where(VERSIONS.c.model_id == model_id))
            conn.execute(sa.delete(MODELS).where(MODELS.c.id == model_id))
            before = {**_model_summary(record), "versions": total, "aliases": record.aliases}
            chain.append("model.delete", name, actor=actor, before=before)
