"""The subset of QBO's query language the sandbox answers, refused as QBO refuses the rest.

``SELECT * | COUNT(*) FROM Entity [WHERE f op v [AND ...]] [STARTPOSITION n] [MAXRESULTS m]``
with ``=``, ``<``, ``>``, ``<=``, ``>=``, ``IN (...)`` and ``LIKE`` (``%`` wildcards); strings
in single quotes with backslash escapes. QBO has no OR and filters only some fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from adapters.sandboxes.quickbooks.schema import SandboxFault

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 1000
_META = ("MetaData.CreateTime", "MetaData.LastUpdatedTime")
# Entity → the fields QBO lets a query filter on (of those the sandbox keeps).
FILTERABLE: dict[str, tuple[str, ...]] = {
    "Customer": ("Id", "DisplayName", "CompanyName", "GivenName", "FamilyName", "Active", *_META),
    "Invoice": ("Id", "DocNumber", "TxnDate", "DueDate", "CustomerRef", "TotalAmt", *_META),
    "Payment": ("Id", "TxnDate", "CustomerRef", "TotalAmt", *_META),
    "RefundReceipt": ("Id", "TxnDate", "CustomerRef", "TotalAmt", *_META),
    "Account": ("Id", "Name", "AccountType", "Active", *_META),
    "Item": ("Id", "Name", "Active", "Type", *_META),
    "TaxCode": ("Id", "Name", "Active", *_META),
}
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])|(?P<word>[A-Za-z_][\w.]*))"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # one of _OPS, "in" or "like"
    values: tuple[object, ...]


@dataclass(frozen=True)
class Query:
    entity: str
    conditions: tuple[Condition, ...]
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS
    count: bool = False

    def matches(self, record: Mapping[str, Any]) -> bool:
        return all(_holds(record, condition) for condition in self.conditions)


def parse(statement: str) -> Query:
    return _Parser(_tokens(statement)).query()


def field_value(record: Mapping[str, Any], field: str) -> object:
    value: object = record
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping):  # a reference compares by its id
        return value.get("value")
    return value


def _holds(record: Mapping[str, Any], condition: Condition) -> bool:
    value = _comparable(field_value(record, condition.field))
    wanted = [_comparable(v) for v in condition.values]
    if condition.op == "in":
        return value in wanted
    if condition.op == "like":
        return isinstance(value, str) and _like(str(wanted[0])).fullmatch(value) is not None
    try:
        return value is not None and _OPS[condition.op](value, wanted[0])
    except TypeError:
        return False


def _comparable(value: object) -> object:
    # QBO compares strings without regard to case.
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("%")), re.DOTALL)


def _tokens(statement: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, statement.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise _parser_error(f'Encountered "{text[position : position + 20]}"')
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self._tokens = tokens
        self._at = 0

    def query(self) -> Query:
        self._keyword("SELECT")
        count = self._peek_word("COUNT")
        if count:
            self._next()
            for expected in "(*)":
                self._punct(expected)
        else:
            self._punct("*")
        self._keyword("FROM")
        entity = self._entity()
        conditions = self._where(entity)
        start, max_results = self._paging()
        if self._at < len(self._tokens):
            raise _parser_error(f'Encountered "{self._tokens[self._at][1]}"')
        if entity in ("Customer", "Item") and not any(c.field == "Active" for c in conditions):
            conditions += (Condition("Active", "=", (True,)),)  # QBO hides inactive names
        return Query(entity, conditions, start, max_results, count)

    def _entity(self) -> str:
        kind, word = self._next()
        entity = next((name for name in FILTERABLE if name.lower() == word.lower()), None)
        if kind != "word" or entity is None:
            raise _parser_error(f"Invalid entity {word!r}: this sandbox queries {list(FILTERABLE)}")
        return entity

    def _where(self, entity: str) -> tuple[Condition, ...]:
        if not self._peek_word("WHERE"):
            return ()
        self._next()
        conditions = [self._condition(entity)]
        while self._peek_word("AND"):
            self._next()
            conditions.append(self._condition(entity))
        if self._peek_word("OR"):
            raise _parser_error('Encountered "OR": QBO queries do not support OR')
        return tuple(conditions)

    def _condition(self, entity: str) -> Condition:
        kind, field = self._next()
        known = next((f for f in FILTERABLE[entity] if f.lower() == field.lower()), None)
        if kind != "word" or known is None:
            raise SandboxFault(
                "Invalid query",
                f"QueryValidationError: property '{field}' is not queryable",
                "4001",
            )
        kind, op = self._next()
        if kind == "word" and op.upper() == "IN":
            self._punct("(")
            values = [self._literal()]
            while self._peek_punct(","):
                self._next()
                values.append(self._literal())
            self._punct(")")
            return Condition(known, "in", tuple(values))
        if kind == "word" and op.upper() == "LIKE":
            return Condition(known, "like", (self._literal(),))
        if kind != "op" or op not in _OPS:
            raise _parser_error(f'Encountered "{op}"')
        return Condition(known, op, (self._literal(),))

    def _literal(self) -> object:
        kind, text = self._next()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return Decimal(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise _parser_error(f'Encountered "{text}"')

    def _paging(self) -> tuple[int, int]:
        start, max_results = 1, DEFAULT_MAX_RESULTS
        while self._peek_word("STARTPOSITION") or self._peek_word("MAXRESULTS"):
            _, word = self._next()
            kind, number = self._next()
            if kind != "number" or not number.isdigit() or int(number) < 1:
                raise _parser_error(f"{word} needs a whole number of 1 or more, not {number}")
            if word.upper() == "STARTPOSITION":
                start = int(number)
            else:
                max_results = min(int(number), MAX_RESULTS)
        return start, max_results

    def _next(self) -> tuple[str, str]:
        if self._at >= len(self._tokens):
            raise _parser_error("Encountered <EOF>")
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _peek_word(self, word: str) -> bool:
        if self._at >= len(self._tokens):
            return False
        kind, text = self._tokens[self._at]
        return kind == "word" and text.upper() == word

    def _peek_punct(self, mark: str) -> bool:
        return self._at < len(self._tokens) and self._tokens[self._at] == ("punct", mark)

    def _keyword(self, word: str) -> None:
        if not self._peek_word(word):
            found = self._tokens[self._at][1] if self._at < len(self._tokens) else "<EOF>"
            raise _parser_error(f'Encountered "{found}", expected {word}')
        self._next()

    def _punct(self, mark: str) -> None:
        if not self._peek_punct(mark):
            found = self._tokens[self._at][1] if self._at < len(self._tokens) else "<EOF>"
            raise _parser_error(f'Encountered "{found}", expected "{mark}"')
        self._next()


def _parser_error(detail: str) -> SandboxFault:
    return SandboxFault("Error parsing query", f"QueryParserError: {detail}", "4000")
