"""How the Autotask sandbox describes an entity: its fields, as ``entityInformation/fields``
answers them, and the rules of its records (which stamps move, where it is created).

The entities themselves are in ``sandbox_entities.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from litestar.exceptions import HTTPException


class DataType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    LONG = "long"
    DOUBLE = "double"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    LIST = "list"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    data_type: DataType
    required: bool = False
    read_only: bool = False
    picklist: tuple[tuple[int, str], ...] = ()
    queryable: bool = True  # Autotask answers an error when some fields are filtered on
    max_length: int | None = None
    date_only: bool = False  # the vendor keeps the date and drops the time


def specs(
    data_type: DataType, names: str, *, required: bool = False, read_only: bool = False
) -> list[FieldSpec]:
    return [FieldSpec(name, data_type, required, read_only) for name in names.split()]


@dataclass(frozen=True)
class EntityRules:
    """One entity as the sandbox serves it.

    ``created`` and ``modified`` name the stamps Autotask sets (each entity names its own);
    ``api_create`` is False where the API has no create (Invoices); ``parent`` is the parent
    entity and linking field of a child that is created and updated under its parent's URL.
    """

    singular: str
    fields: Mapping[str, FieldSpec]
    created: str | None = None
    modified: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    api_create: bool = True
    parent: tuple[str, str] | None = None


def by_name(fields: list[FieldSpec]) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in fields}


class SandboxRefusal(HTTPException):
    """A call the sandbox refuses as Autotask does: ``{"errors": [...]}``, validation as 500."""

    status_code = 500

    def __init__(self, *errors: str, status: int = 500) -> None:
        super().__init__(detail=" / ".join(errors), status_code=status, extra=list(errors))
