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

# A picklist's (value, label) pairs; values are ints, or strings for the few string picklists.
Picklist = tuple[tuple[int | str, str], ...]


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
    picklist: Picklist = ()
    queryable: bool = True  # Autotask answers an error when some fields are filtered on
    max_length: int | None = None
    date_only: bool = False  # the vendor keeps the date and drops the time
    reference: str | None = None  # the entity whose id this field holds: it must exist
    default: int | str | None = None  # the picklist value marked isDefaultValue


# Every entity that has user-defined fields lists them under this one field.
UDFS_NAME = "userDefinedFields"


def udfs() -> FieldSpec:
    return FieldSpec(UDFS_NAME, DataType.LIST)


def ref(name: str, entity: str, *, required: bool = False) -> FieldSpec:
    """An id field pointing at a record of ``entity`` (Autotask's isReference)."""
    return FieldSpec(name, DataType.INTEGER, required=required, reference=entity)


def specs(
    data_type: DataType, names: str, *, required: bool = False, read_only: bool = False
) -> list[FieldSpec]:
    return [FieldSpec(name, data_type, required, read_only) for name in names.split()]


@dataclass(frozen=True)
class EntityRules:
    """One entity as the sandbox serves it.

    ``created`` and ``modified`` name the stamps Autotask sets (each entity names its own);
    ``api_create`` is False where the API has no create at the entity's own path (Invoices,
    children); ``parent`` is the parent entity and linking field of a child that is created,
    updated and deleted under its parent's URL; ``api_update`` is False where there is no
    PATCH/PUT (BillingCodes, attachments); ``api_delete`` where a DELETE exists;
    ``listed_without`` are fields queries and lists leave empty (an attachment's data);
    ``collection`` is a child's name in its parent's URL when it differs from the entity's
    (QuoteItems are ``/Quotes/{id}/Items``).
    """

    singular: str
    fields: Mapping[str, FieldSpec]
    created: str | None = None
    modified: str | None = None
    defaults: Mapping[str, Any] = field(default_factory=dict)
    api_create: bool = True
    parent: tuple[str, str] | None = None
    api_update: bool = True
    api_delete: bool = False
    listed_without: tuple[str, ...] = ()
    collection: str | None = None


def by_name(fields: list[FieldSpec]) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in fields}


class SandboxRefusal(HTTPException):
    """A call the sandbox refuses as Autotask does: ``{"errors": [...]}``, validation as 500."""

    status_code = 500

    def __init__(self, *errors: str, status: int = 500) -> None:
        super().__init__(detail=" / ".join(errors), status_code=status, extra=list(errors))
