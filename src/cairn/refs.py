"""How users name versions: ``name@alias``, ``name/3``, ``name/latest``, ``name:<digest prefix>``.

Parsed here and nowhere else. Resolving a ref against a catalog is the registry's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cairn.errors import BadRef

__all__ = ["NAME_PATTERN", "Ref", "check_alias", "check_name", "parse_ref"]

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_NAME = re.compile(NAME_PATTERN)
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")
_HEX = re.compile(r"[0-9a-f]{4,64}")

RefKind = Literal["alias", "number", "latest", "digest"]


@dataclass(frozen=True, slots=True)
class Ref:
    """A parsed ref. ``value`` is the alias, the number, ``"latest"`` or the hex prefix."""

    model: str
    kind: RefKind
    value: str

    @property
    def number(self) -> int:
        return int(self.value)

    def __str__(self) -> str:
        if self.kind == "alias":
            return f"{self.model}@{self.value}"
        if self.kind == "digest":
            return f"{self.model}:{self.value}"
        return f"{self.model}/{self.value}"


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise BadRef(
            f"{name!r} is not a valid model name",
            "use letters, digits, '.', '_' or '-' (up to 128, starting with a letter or digit)",
        )
    return name


def check_alias(alias: str) -> str:
    if not _ALIAS.fullmatch(alias) or alias == "latest":
        raise BadRef(
            f"{alias!r} is not a valid alias",
            "use a name like production or staging (letters, digits, '.', '_', '-'; not 'latest')",
        )
    return alias


def parse_ref(text: str, *, default: RefKind | None = "latest") -> Ref:
    """Parse ``text``. A bare model name means ``name/latest`` unless ``default`` is None."""
    text = text.strip()
    if "@" in text:
        model, alias = text.split("@", 1)
        return Ref(check_name(model), "alias", check_alias(alias))
    if ":" in text:
        model, prefix = text.split(":", 1)
        prefix = prefix.removeprefix("blake3:").lower()
        if not _HEX.fullmatch(prefix):
            raise BadRef(
                f"{text!r}: {prefix!r} is not a digest prefix",
                "give at least 4 hex digits of the artifact digest (cairn versions NAME)",
            )
        return Ref(check_name(model), "digest", prefix)
    if "/" in text:
        model, rest = text.split("/", 1)
        if rest == "latest":
            return Ref(check_name(model), "latest", "latest")
        if rest.isdigit() and int(rest) > 0:
            return Ref(check_name(model), "number", str(int(rest)))
        raise BadRef(f"{text!r}: {rest!r} is not a version number")
    if default is None:
        raise BadRef(f"{text!r} names a model, not a version")
    return Ref(check_name(text), "latest", "latest")
