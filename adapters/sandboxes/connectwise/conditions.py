"""ConnectWise's ``conditions`` language, a strict subset (``contracts/connectwise.md`` §3).

Fields with ``/`` into references (``status/id``), ``_info/lastUpdated`` and the top-level
``lastUpdated`` as one field, the operators ``= != < <= > >= contains like in`` (``not`` before
``contains``, ``like`` and ``in``), ``and``/``or`` in any case, parentheses, ``"…"`` and ``'…'``
strings, ``[datetime]``, ``null``, ``True``/``False`` and numbers. An unknown field or bad
syntax is a ``BadCondition`` (400 ``ApiFindCondition``), never silently ignored: the live API
is reported to ignore a ``like '%x%'`` and answer everything, the danger this stands against.

``childConditions`` use the same language over one array of a record: a record is taken when
one of its array's elements satisfies the whole expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class BadCondition(ValueError):
    """A condition the sandbox cannot read: its message says where."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<date>\[[^\]]*\])
    | (?P<op><=|>=|!=|=|<|>)
    | (?P<paren>[(),])
    | (?P<number>-?\d+(?:\.\d+)?(?![\w/]))
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "contains", "like", "in", "null", "true", "false"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str


def tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    at = 0
    text = text.rstrip()
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise BadCondition(f"Unexpected character at position {at}: {text[at : at + 10]!r}")
        kind = match.lastgroup or ""
        found.append(_Token(kind, match.group(kind)))
        at = match.end()
    return found


@dataclass(frozen=True)
class Fields:
    """What a condition may name: the record's scalar fields, its references (whose ``id``,
    ``name`` and ``identifier`` may follow a ``/``) and its arrays (child conditions only)."""

    scalars: Collection[str]
    references: Collection[str] = ()
    arrays: Mapping[str, Fields] = field(default_factory=dict)

    def resolve(self, path: str, *, child: bool = False) -> list[str]:
        """The canonical path (record keys) of a field as a condition writes it."""
        parts = path.split("/")
        if parts[0].casefold() == "_info" and len(parts) == 2:
            parts = parts[1:]  # _info/lastUpdated is lastUpdated
        head = _canonical(parts[0], [*self.scalars, *self.references, *self.arrays])
        if head is None:
            raise BadCondition(f"Unknown field {path!r} in the conditions")
        if head in self.arrays:
            if not child:
                raise BadCondition(f"{path!r} is an array: it is searched with childConditions")
            raise BadCondition(f"{path!r} is an array: name one of its fields")
        if head in self.scalars:
            if len(parts) != 1:
                raise BadCondition(f"{path!r}: {head} is not a reference")
            return [head]
        if len(parts) != 2:
            raise BadCondition(f"{path!r}: name the reference's id, name or identifier")
        sub = _canonical(parts[1], ("id", "name", "identifier"))
        if sub is None:
            raise BadCondition(f"Unknown field {path!r} in the conditions")
        return [head, sub]


def _canonical(name: str, known: Sequence[str]) -> str | None:
    return next((k for k in known if k.casefold() == name.casefold()), None)


def parse(text: str, fields: Fields) -> Predicate:
    """The predicate of ``conditions`` over a record of ``fields``."""
    return _Parser(tokens(text), fields, child=None).whole()


def parse_child(text: str, fields: Fields) -> Predicate:
    """The predicate of ``childConditions``: every field names one array, ``array/field``."""
    parser = _Parser(tokens(text), fields, child="")
    inner = parser.whole()
    array = parser.child or ""

    def predicate(record: Record) -> bool:
        return any(
            inner(element) for element in record.get(array) or () if isinstance(element, dict)
        )

    return predicate


class _Parser:
    def __init__(self, found: list[_Token], fields: Fields, *, child: str | None) -> None:
        self._tokens = found
        self._at = 0
        self._fields = fields
        self.child = child  # None: conditions; "" or an array name: childConditions

    def whole(self) -> Predicate:
        if not self._tokens:
            raise BadCondition("The conditions are empty")
        predicate = self._or()
        if self._at != len(self._tokens):
            raise BadCondition(f"Unexpected {self._tokens[self._at].text!r} in the conditions")
        return predicate

    def _peek(self) -> _Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _keyword(self, *words: str) -> str | None:
        token = self._peek()
        if token is not None and token.kind == "word" and token.text.casefold() in words:
            self._at += 1
            return token.text.casefold()
        return None

    def _take(self, kind: str, text: str | None = None) -> _Token:
        token = self._peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            shown = "the end" if token is None else repr(token.text)
            raise BadCondition(f"Expected {text or kind} but found {shown} in the conditions")
        self._at += 1
        return token

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._keyword("or"):
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._factor()]
        while self._keyword("and"):
            parts.append(self._factor())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def _factor(self) -> Predicate:
        token = self._peek()
        if token is not None and token.kind == "paren" and token.text == "(":
            self._at += 1
            inner = self._or()
            self._take("paren", ")")
            return inner
        return self._comparison()

    def _field(self) -> list[str]:
        token = self._take("word")
        if token.text.casefold() in _KEYWORDS:
            raise BadCondition(f"Expected a field but found {token.text!r} in the conditions")
        if self.child is None:
            return self._fields.resolve(token.text)
        array, _, rest = token.text.partition("/")
        arrays = self._fields.arrays
        name = _canonical(array, list(arrays))
        if name is None or not rest:
            raise BadCondition(f"{token.text!r} is not a field of an array for childConditions")
        if self.child and self.child != name:
            raise BadCondition("childConditions name one array at a time")
        self.child = name
        return arrays[name].resolve(rest)

    def _comparison(self) -> Predicate:
        path = self._field()
        negate = self._keyword("not") is not None
        word = self._keyword("contains", "like", "in")
        if word is None:
            if negate:
                raise BadCondition("'not' goes before contains, like or in")
            op = self._take("op").text
            value = self._value()
            return lambda r: _compare(_get(r, path), op, value)
        if word == "in":
            values = self._list()
            return lambda r: negate != any(_compare(_get(r, path), "=", v) for v in values)
        pattern = self._value()
        if not isinstance(pattern, str):
            raise BadCondition(f"{word} takes a string")
        if word == "contains":
            needle = pattern.casefold()
            return lambda r: negate != (needle in str(_get(r, path) or "").casefold())
        regex = re.compile(
            "^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$", re.IGNORECASE
        )
        return lambda r: negate != bool(regex.match(str(_get(r, path) or "")))

    def _list(self) -> list[Any]:
        self._take("paren", "(")
        values = [self._value()]
        while self._peek() is not None and self._peek() == _Token("paren", ","):
            self._at += 1
            values.append(self._value())
        self._take("paren", ")")
        return values

    def _value(self) -> Any:
        token = self._peek()
        if token is None:
            raise BadCondition("A value is missing at the end of the conditions")
        self._at += 1
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "date":
            return _moment(token.text[1:-1])
        if token.kind == "word" and token.text.casefold() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.text.casefold()]
        raise BadCondition(f"Expected a value but found {token.text!r} in the conditions")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadCondition(f"{text!r} is not a date and time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _get(record: Record, path: list[str]) -> Any:
    value: Any = record
    for part in path:
        if part == "lastUpdated" and "lastUpdated" not in value:
            value = (value.get("_info") or {}).get("lastUpdated")
            continue
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(actual: Any, op: str, wanted: Any) -> bool:
    if wanted is None or actual is None:
        same = actual is None and wanted is None
        return same if op == "=" else (not same if op == "!=" else False)
    actual, wanted = _comparable(actual, wanted)
    if isinstance(wanted, bool) and op not in ("=", "!="):
        return False
    try:
        return _OPS[op](actual, wanted)
    except TypeError:  # a string against a number: no match
        return False


def _comparable(actual: Any, wanted: Any) -> tuple[Any, Any]:
    """Both sides as one kind: moments, booleans, case-folded strings, or as they are."""
    if isinstance(wanted, datetime):
        try:
            return _moment(str(actual)), wanted
        except BadCondition:
            return None, wanted
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return bool(actual), bool(wanted)
    if isinstance(wanted, str):
        return str(actual).casefold(), wanted.casefold()
    return actual, wanted
