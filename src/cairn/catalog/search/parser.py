"""The filter language's grammar, parsed by recursive descent into a small tree.

filter     := or_expr
or_expr    := and_expr ("or" and_expr)*
and_expr   := not_expr ("and" not_expr)*
not_expr   := "not" not_expr | "(" or_expr ")" | comparison
comparison := field op value
            | field ["not"] ("like" | "ilike") string
            | field ["not"] "in" "(" value ("," value)* ")"
op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
value      := string | number | "true" | "false" | bare word
"""

from __future__ import annotations

from dataclasses import dataclass

from cairn.catalog.search.lexer import KEYWORDS, Token, filter_error, tokenize

__all__ = ["And", "Compare", "Field", "Node", "Not", "Or", "Value", "parse"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # "metrics", "params", "tags", "created", ...
    key: str | None  # the part after the first dot, for metrics/params/tags
    column: int

    def __str__(self) -> str:
        return self.name if self.key is None else f"{self.name}.{self.key}"


@dataclass(frozen=True, slots=True)
class Value:
    value: str | float | bool
    text: str  # as written (numbers keep their spelling: tags.n = 1 means "1")
    column: int


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str  # = != < <= > >= like ilike in (with negated for "not like"/"not in")
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Compare | And | Or | Not

_CANONICAL_OP = {"==": "=", "<>": "!="}


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def kind(self) -> str:
        return self.tokens[self.i].kind

    def keyword(self, word: str) -> bool:
        tok = self.tok
        if tok.kind == "word" and tok.text.lower() == word:
            self.i += 1
            return True
        return False

    def error(self, expected: str, tok: Token | None = None) -> Exception:
        tok = tok or self.tok
        return filter_error(self.source, tok.column, f"expected {expected}, found {tok.describe()}")

    def parse(self) -> Node:
        if self.kind() == "end":
            raise self.error("a condition such as metrics.auc > 0.9")
        node = self.or_expr()
        if self.kind() != "end":
            raise self.error("'and', 'or' or the end of the filter")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.keyword("or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.keyword("and"):
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        if self.keyword("not"):
            return Not(self.not_expr())
        if self.kind() == "(":
            self.i += 1
            node = self.or_expr()
            if self.kind() != ")":
                raise self.error("')'")
            self.i += 1
            return node
        return self.comparison()

    def field(self) -> Field:
        tok = self.tok
        if tok.kind != "word" or tok.text.lower() in KEYWORDS:
            raise self.error("a field such as metrics.auc, params.depth, tags.team or created")
        self.i += 1
        name, dot, key = tok.text.partition(".")
        if dot and not key:
            raise filter_error(self.source, tok.column + len(name) + 1, "expected a key after '.'")
        return Field(name.lower(), key if dot else None, tok.column)

    def value(self) -> Value:
        tok = self.tok
        if tok.kind == "string":
            self.i += 1
            return Value(tok.text, tok.text, tok.column)
        if tok.kind == "number":
            self.i += 1
            return Value(float(tok.text), tok.text, tok.column)
        if tok.kind == "word":
            lowered = tok.text.lower()
            if lowered in ("true", "false"):
                self.i += 1
                return Value(lowered == "true", lowered, tok.column)
            if lowered not in KEYWORDS:
                self.i += 1
                return Value(tok.text, tok.text, tok.column)
        raise self.error('a value (a "string", a number, true or false)')

    def comparison(self) -> Compare:
        field = self.field()
        negated = self.keyword("not")
        if self.keyword("in"):
            if self.kind() != "(":
                raise self.error("'(' to start the list after 'in'")
            self.i += 1
            values = [self.value()]
            while self.kind() == ",":
                self.i += 1
                values.append(self.value())
            if self.kind() != ")":
                raise self.error("',' or ')' in the list after 'in'")
            self.i += 1
            return Compare(field, "in", tuple(values), negated)
        for op in ("like", "ilike"):
            if self.keyword(op):
                value = self.value()
                if not isinstance(value.value, str) or self.tokens[self.i - 1].kind != "string":
                    raise filter_error(
                        self.source, value.column, f"expected a quoted pattern after '{op}'"
                    )
                return Compare(field, op, (value,), negated)
        if negated:
            raise self.error("'in', 'like' or 'ilike' after 'not'")
        tok = self.tok
        if tok.kind != "op":
            raise self.error(f"an operator (=, !=, <, <=, >, >=, in, like) after {field}")
        self.i += 1
        return Compare(field, _CANONICAL_OP.get(tok.text, tok.text), (self.value(),))


def parse(source: str) -> Node:
    """Parse a filter; :class:`~cairn.errors.InvalidInput` says where and what was expected."""
    return _Parser(source).parse()
