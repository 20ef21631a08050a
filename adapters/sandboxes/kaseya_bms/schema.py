"""The sandbox's DTO declarations, how it checks a request body against one, and how it writes
an answer with exactly a DTO's fields.

A declaration is a line of ``Name:kind`` words: kinds ``int num str bool datetime``, ``[X]`` a
list of X (a kind or a DTO), ``@Dto`` an object; ``?`` nullable, ``!`` required. They are copied
from Kaseya's published OpenAPI file (``sandbox_dtos.py``); a contract test holds each one to it.
A body with a field the DTO lacks, a required field missing or a value of the wrong kind is
refused as a validation error, in Kaseya's envelope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCALARS = ("int", "num", "str", "bool", "datetime")


class KaseyaRefusal(Exception):
    """A refusal in Kaseya's envelope: ``Success: false`` with an ``Error``. ``http_status``:
    the HTTP status it is answered with, when not ``status`` (Kaseya answers some business-rule
    refusals under HTTP 200, the ``Error.Code`` saying 400)."""

    def __init__(
        self,
        status: int,
        message: str,
        sub_errors: Sequence[str] = (),
        *,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.sub_errors = list(sub_errors)
        self.http_status = status if http_status is None else http_status

    def body(self) -> dict[str, Any]:
        error = {
            "Code": self.status,
            "Message": self.message,
            "Details": None,
            "StackStrace": None,
            "SubErrors": self.sub_errors or None,
        }
        return {"Success": False, "Error": error, "Result": None}


def refused_under_200(message: str) -> KaseyaRefusal:
    """A business rule's refusal as Kaseya answers it: ``Success: false`` under HTTP 200."""
    return KaseyaRefusal(400, message, http_status=200)


def not_found(what: str, record_id: object) -> KaseyaRefusal:
    return KaseyaRefusal(404, f"{what} with id {record_id} was not found")


@dataclass(frozen=True)
class Field:
    kind: str  # one of SCALARS, "list" or "object"
    of: str | None = None  # a list's item kind or DTO, an object's DTO
    nullable: bool = False
    required: bool = False


def dto(declaration: str) -> dict[str, Field]:
    """``"Id:int Name:str? Items:[LineDto]! Filter:@FilterDto"`` as fields."""
    fields: dict[str, Field] = {}
    for word in declaration.split():
        name, _, kind = word.partition(":")
        required, kind = kind.endswith("!"), kind.rstrip("!")
        nullable, kind = kind.endswith("?"), kind.rstrip("?")
        if kind.startswith("["):
            fields[name] = Field("list", kind.strip("[]"), nullable, required)
        elif kind.startswith("@"):
            fields[name] = Field("object", kind[1:], nullable, required)
        else:
            fields[name] = Field(kind, None, nullable, required)
    return fields


class Schemas:
    """The declared DTOs by name: checks bodies, writes answers."""

    def __init__(self, dtos: Mapping[str, dict[str, Field]]) -> None:
        self.dtos = dict(dtos)

    def check(self, name: str, body: object) -> None:
        """Refuse ``body`` unless it is an instance of DTO ``name``."""
        problems = self.problems(name, body)
        if problems:
            raise KaseyaRefusal(400, "One or more validation errors occurred.", problems)

    def problems(self, name: str, body: object, where: str = "") -> list[str]:
        if not isinstance(body, Mapping):
            return [f"{where or name}: a JSON object of {name} is expected"]
        fields = self.dtos[name]
        found = [f"{where}{key}: not a field of {name}" for key in body if key not in fields]
        found += [
            f"{where}{key}: the {key} field is required"
            for key, field in fields.items()
            if field.required and body.get(key) in (None, "")
        ]
        for key, value in body.items():
            field = fields.get(key)
            if field is not None:
                found += self._value(field, value, f"{where}{key}")
        return found

    def _value(self, field: Field, value: object, where: str) -> list[str]:
        if value is None:  # a required one is reported missing above
            return [] if field.nullable or field.required else [f"{where}: cannot be null"]
        if field.kind == "object":
            return self.problems(str(field.of), value, f"{where}.")
        if field.kind != "list":
            return [] if fits(field.kind, value) else [f"{where}: {value!r} is not {field.kind}"]
        if not isinstance(value, list):
            return [f"{where}: a JSON array is expected"]
        return [
            problem
            for n, item in enumerate(value)
            for problem in self._item(str(field.of), item, f"{where}[{n}]")
        ]

    def _item(self, of: str, item: object, where: str) -> list[str]:
        if of in SCALARS:
            return [] if fits(of, item) else [f"{where}: {item!r} is not {of}"]
        return self.problems(of, item, f"{where}.")

    def write(self, name: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """``record`` as DTO ``name`` answers it: every field, in order, nothing else; a field
        the record lacks is null, or the zero of its kind when not nullable."""
        answer: dict[str, Any] = {}
        for key, field in self.dtos[name].items():
            value = record.get(key)
            if value is None:
                answer[key] = None if field.nullable else _zero(field)
            elif field.kind == "object":
                answer[key] = self.write(str(field.of), value)
            elif field.kind == "list" and field.of not in SCALARS:
                answer[key] = [self.write(str(field.of), item) for item in value]
            else:
                answer[key] = value
        return answer


def fits(kind: str, value: object) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    if kind == "int":
        return isinstance(value, int)
    if kind == "num":
        return isinstance(value, int | float)
    if kind == "str":
        return isinstance(value, str)
    return kind == "datetime" and isinstance(value, str) and parse_datetime(value) is not None


def parse_datetime(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _zero(field: Field) -> Any:
    zeros: dict[str, Any] = {
        "int": 0,
        "num": 0.0,
        "str": "",
        "bool": False,
        "datetime": "0001-01-01T00:00:00",
        "list": [],
    }
    return zeros.get(field.kind)
