"""Tokens of the filter language (see docs/search.md). Columns are 1-based."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cairn.errors import InvalidInput

__all__ = ["KEYWORDS", "Token", "filter_error", "tokenize"]

Kind = Literal["word", "string", "number", "op", "(", ")", ",", "end"]

KEYWORDS = frozenset({"and", "or", "not", "in", "like", "ilike", "true", "false"})
_OPERATORS = ("<=", ">=", "!=", "<>", "==", "=", "<", ">")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# A field path or a bare word: letters, digits, '_', and in keys also '.', '-', '/', ':'.
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/:]*")
_HINT = "see docs/search.md for the filter language"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # the source text (for strings: the unquoted value)
    column: int

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the filter"
        if self.kind == "string":
            return f"the string {self.text!r}"
        return f"{self.text!r}"


def filter_error(source: str, column: int, what: str) -> InvalidInput:
    return InvalidInput(f"bad filter {source!r} at column {column}: {what}", _HINT)


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            out.append(source[i + 1])
            i += 2
            continue
        if char == quote:
            if i + 1 < len(source) and source[i + 1] == quote:  # '' or "" inside
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise filter_error(source, start + 1, f"the string starting here has no closing {quote}")


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char.isspace():
            i += 1
            continue
        column = i + 1
        if char in "(),":
            tokens.append(Token(char, char, column))  # type: ignore[arg-type]
            i += 1
            continue
        if char in "'\"":
            text, i = _read_string(source, i)
            tokens.append(Token("string", text, column))
            continue
        if char == "`":
            end = source.find("`", i + 1)
            if end < 0:
                raise filter_error(source, column, "the name starting here has no closing `")
            tokens.append(Token("word", source[i + 1 : end], column))
            i = end + 1
            continue
        op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
        if op is not None:
            tokens.append(Token("op", op, column))
            i += len(op)
            continue
        number = _NUMBER.match(source, i)
        if number and (char.isdigit() or char in "+-."):
            tokens.append(Token("number", number.group(), column))
            i = number.end()
            continue
        word = _WORD.match(source, i)
        if word:
            text = word.group()
            # field."quoted key" / field.`quoted key`
            end = word.end()
            if text.endswith(".") and end < len(source) and source[end] in "'\"`":
                if source[end] == "`":
                    close = source.find("`", end + 1)
                    if close < 0:
                        raise filter_error(source, end + 1, "the name has no closing `")
                    key, end = source[end + 1 : close], close + 1
                else:
                    key, end = _read_string(source, end)
                text += key
            tokens.append(Token("word", text, column))
            i = end
            continue
        raise filter_error(source, column, f"unexpected character {char!r}")
    tokens.append(Token("end", "", len(source) + 1))
    return tokens
