"""The Autotask sandbox's checks of what a call writes, and its answer to entityInformation."""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from adapters.sandboxes.autotask.fields import DataType, EntityRules, FieldSpec, SandboxRefusal


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_CHECKS: dict[DataType, Callable[[object], bool]] = {
    DataType.STRING: lambda v: isinstance(v, str),
    DataType.INTEGER: _is_int,
    DataType.LONG: _is_int,
    DataType.DOUBLE: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    DataType.BOOLEAN: lambda v: isinstance(v, bool),
    DataType.DATETIME: _is_datetime,
    DataType.LIST: lambda v: isinstance(v, list),
}


def written(
    rules: EntityRules,
    body: object,
    udf_names: Collection[str],
    *,
    complete: bool,
    system: bool = False,
) -> dict[str, Any]:
    """The fields a create or update body sets, or the vendor's list of errors.

    ``complete`` (a create or a PUT) asks for every required field; ``system`` is Autotask
    itself writing (a seeded invoice), which may set read-only fields. Read-only fields in an
    API body are ignored, as the vendor does.
    """
    fields = rules.fields
    if not isinstance(body, dict):
        raise SandboxRefusal("The request body must be a JSON object")
    errors = [
        f"Unable to find {name} in the {rules.singular} entity"
        for name in body
        if name not in fields
    ]
    errors += [
        error
        for name, value in body.items()
        if name in fields
        for error in check(fields[name], value, udf_names, system=system)
    ]
    if complete:
        missing = [
            spec.name
            for spec in fields.values()
            if spec.required and (system or not spec.read_only) and spec.name not in body
        ]
        errors += [f"{name}: a value is required" for name in missing]
    if errors:
        raise SandboxRefusal(*errors)
    return {
        name: _stored(fields[name], value)
        for name, value in body.items()
        if name != "id" and (system or not fields[name].read_only)
    }


def check(
    spec: FieldSpec, value: object, udf_names: Collection[str], *, system: bool = False
) -> list[str]:
    if spec.read_only and not system:
        return []
    if value is None or value == "":
        return [f"{spec.name}: a value is required"] if spec.required else []
    problem = _problem(spec, value)
    if problem:
        return [f"{spec.name}: {problem}"]
    return _check_udfs(value, udf_names) if spec.data_type is DataType.LIST else []


def _problem(spec: FieldSpec, value: object) -> str | None:
    if not _CHECKS[spec.data_type](value):
        return f"{value!r} is not a valid {spec.data_type}"
    if spec.picklist and value not in {v for v, _ in spec.picklist}:
        return f"{value!r} is not a value of its picklist"
    if spec.max_length is not None and isinstance(value, str) and len(value) > spec.max_length:
        return f"longer than {spec.max_length} characters"
    return None


def _check_udfs(value: object, udf_names: Collection[str]) -> list[str]:
    errors = []
    for udf in value if isinstance(value, list) else ():
        if not isinstance(udf, dict) or not isinstance(udf.get("name"), str):
            errors.append("userDefinedFields: each item needs a name and a value")
        elif udf["name"] not in udf_names:
            errors.append(f"userDefinedFields: no user-defined field named {udf['name']}")
    return errors


def _stored(spec: FieldSpec, value: Any) -> Any:
    if spec.date_only and isinstance(value, str) and value:
        return f"{datetime.fromisoformat(value).date().isoformat()}T00:00:00"
    return copy.deepcopy(value)


def field_info(spec: FieldSpec) -> dict[str, Any]:
    """One field as ``GET /{Entity}/entityInformation/fields`` describes it."""
    return {
        "name": spec.name,
        "dataType": spec.data_type.value,
        "length": spec.max_length or 0,
        "isRequired": spec.required,
        "isReadOnly": spec.read_only,
        "isQueryable": spec.queryable and spec.data_type is not DataType.LIST,
        "isReference": spec.reference is not None,
        "referenceEntityType": spec.reference or "",
        "isPickList": bool(spec.picklist),
        "picklistValues": [
            {
                "value": str(value),
                "label": label,
                "isDefaultValue": value == spec.default,
                "sortOrder": order,
                "parentValue": "",
                "isActive": True,
                "isSystem": True,
            }
            for order, (value, label) in enumerate(spec.picklist)
        ]
        if spec.picklist
        else None,
    }
