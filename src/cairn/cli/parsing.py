"""Parsing ``k=v`` options of the command line."""

from __future__ import annotations

from collections.abc import Iterable

from cairn.errors import InvalidInput

ParamValue = str | int | float | bool  # as in cairn.catalog.records, without importing SQL

__all__ = ["parse_metric", "parse_pair", "parse_pairs", "parse_param"]


def parse_pair(text: str, option: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InvalidInput(f"{option} {text!r} is not key=value", f"write e.g. {option} depth=4")
    return key.strip(), value.strip()


def parse_pairs(items: Iterable[str], option: str) -> dict[str, str]:
    return dict(parse_pair(item, option) for item in items)


def parse_param(text: str) -> tuple[str, ParamValue]:
    """``depth=4`` → 4, ``lr=0.1`` → 0.1, ``balanced=true`` → True, anything else a string."""
    key, value = parse_pair(text, "--param")
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return key, lowered == "true"
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            continue
    return key, value


def parse_metric(text: str) -> tuple[str, float]:
    key, value = parse_pair(text, "--metric")
    try:
        return key, float(value)
    except ValueError:
        raise InvalidInput(
            f"--metric {text!r}: {value!r} is not a number", "write e.g. --metric auc=0.93"
        ) from None
