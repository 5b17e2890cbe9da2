"""Lineage inputs: datasets named by URI and, where cairn can read them, by digest."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cairn.catalog.records import Dataset
from cairn.digest import hash_file
from cairn.errors import InvalidInput

__all__ = ["dataset_from"]


def _local_digest(uri: str) -> str | None:
    path = Path(uri.removeprefix("file://")).expanduser()
    return hash_file(path) if path.is_file() else None


def dataset_from(item: Dataset | Mapping[str, Any] | str) -> Dataset:
    """A :class:`Dataset` from a record, a mapping ``{name, uri, digest}`` or ``"NAME=URI"``.

    A local file's digest is computed when none is given, so lineage names data by content.
    """
    if isinstance(item, Dataset):
        return item
    if isinstance(item, str):
        name, sep, uri = item.partition("=")
        if not sep or not name:
            raise InvalidInput(
                f"dataset {item!r} is not NAME=URI", "write e.g. train=data/train.csv"
            )
        return Dataset(name=name, uri=uri, digest=_local_digest(uri))
    try:
        name = str(item["name"])
    except KeyError:
        raise InvalidInput(
            f"dataset {dict(item)!r} has no name", "give {name, uri, digest}"
        ) from None
    uri = str(item.get("uri", ""))
    digest = item.get("digest")
    return Dataset(name=name, uri=uri, digest=str(digest) if digest else _local_digest(uri))
