"""Autotask's query filter, evaluated over the sandbox's records.

``{"op": "eq", "field": "companyName", "value": "x"}``, ``"udf": true`` for user-defined fields,
groups ``{"op": "and"|"or", "items": [...]}``; the top-level list is an AND.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.sandboxes.autotask.fields import DataType, FieldSpec, SandboxRefusal
from adapters.vendors.autotask.contract import udf_value

Record = Mapping[str, Any]
Matcher = Callable[[Record], bool]
_NUMBERS = (DataType.INTEGER, DataType.LONG, DataType.DOUBLE)


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda left, right: left is not None and right is not None and test(left, right)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda left, right: left == right,
    "noteq": lambda left, right: left != right,
    "gt": _compare(lambda left, right: left > right),
    "gte": _compare(lambda left, right: left >= right),
    "lt": _compare(lambda left, right: left < right),
    "lte": _compare(lambda left, right: left <= right),
    "beginsWith": _compare(lambda left, right: str(left).startswith(str(right))),
    "endsWith": _compare(lambda left, right: str(left).endswith(str(right))),
    "contains": _compare(lambda left, right: str(right) in str(left)),
    "in": lambda left, right: left in right,
    "notIn": lambda left, right: left not in right,
    "exist": lambda left, _: left is not None,
    "notExist": lambda left, _: left is None,
}


def comparable(value: object, data_type: DataType) -> Any:
    """The form a value is compared in: strings without case (as the vendor's database)."""
    if value is None or value == "":
        return None
    if data_type in _NUMBERS:
        return float(str(value))
    if data_type is DataType.BOOLEAN:
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1")
    if data_type is DataType.DATETIME:
        moment = datetime.fromisoformat(str(value))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return str(value).casefold()


def compile_filter(
    items: object, entity: str, fields: Mapping[str, FieldSpec], udfs: Collection[str]
) -> Matcher:
    if not isinstance(items, list) or not items:
        raise SandboxRefusal("A query needs a filter with at least one condition")
    matchers = [_compile(item, entity, fields, udfs) for item in items]
    return lambda record: all(match(record) for match in matchers)


def _compile(
    item: object, entity: str, fields: Mapping[str, FieldSpec], udfs: Collection[str]
) -> Matcher:
    if not isinstance(item, dict):
        raise SandboxRefusal("Each filter item must be an object with op, field and value")
    op = item.get("op")
    if op in ("and", "or"):
        group = item.get("items")
        if not isinstance(group, list) or not group:
            raise SandboxRefusal(f"The '{op}' group needs items")
        matchers = [_compile(sub, entity, fields, udfs) for sub in group]
        join = all if op == "and" else any
        return lambda record: join(match(record) for match in matchers)
    if not isinstance(op, str) or op not in _OPS:
        raise SandboxRefusal(f"Unknown filter operator '{op}'")
    return _condition(op, item, entity, fields, udfs)


def _condition(
    op: str,
    item: dict[str, Any],
    entity: str,
    fields: Mapping[str, FieldSpec],
    udfs: Collection[str],
) -> Matcher:
    name = item.get("field")
    if item.get("udf") is True:
        if name not in udfs:
            raise SandboxRefusal(f"Unable to find user-defined field {name} on {entity}")
        data_type = DataType.STRING

        def read(record: Record) -> Any:
            return comparable(udf_value(record, str(name)), data_type)

    else:
        spec = fields.get(str(name))
        if spec is None or spec.data_type is DataType.LIST:
            raise SandboxRefusal(f"Unable to find {name} in the {entity} entity")
        if not spec.queryable:
            raise SandboxRefusal(f"The field {name} of the {entity} entity cannot be queried")
        data_type = spec.data_type

        def read(record: Record) -> Any:
            return comparable(record.get(spec.name), data_type)

    target = _target(op, item.get("value"), data_type, name)
    test = _OPS[op]
    return lambda record: test(read(record), target)


def _target(op: str, value: object, data_type: DataType, name: object) -> Any:
    try:
        if op in ("in", "notIn"):
            if not isinstance(value, list):
                raise SandboxRefusal(f"The '{op}' operator on {name} needs a list of values")
            return {comparable(v, data_type) for v in value}
        return None if op in ("exist", "notExist") else comparable(value, data_type)
    except ValueError:
        raise SandboxRefusal(f"The value {value!r} is not valid for {name}") from None
