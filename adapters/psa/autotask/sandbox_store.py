"""The Autotask sandbox's records: validation as the vendor does it, history for tests."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.psa.autotask.sandbox_fields import (
    ENTITIES,
    SINGULAR,
    DataType,
    FieldSpec,
    SandboxRefusal,
)
from adapters.psa.autotask.sandbox_query import compile_filter, udf_value

MAX_RECORDS = 500
_FIRST_ID = 29_700_001
_CHECKS: dict[DataType, Callable[[object], bool]] = {
    DataType.STRING: lambda v: isinstance(v, str),
    DataType.INTEGER: lambda v: isinstance(v, int) and not isinstance(v, bool),
    DataType.LONG: lambda v: isinstance(v, int) and not isinstance(v, bool),
    DataType.DOUBLE: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    DataType.BOOLEAN: lambda v: isinstance(v, bool),
    DataType.DATETIME: lambda v: isinstance(v, str),
    DataType.LIST: lambda v: isinstance(v, list),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Table:
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    updates: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class QueryResult:
    items: list[dict[str, Any]]
    max_records: int
    next_after: int | None  # the last id of this page when another page follows


class AutotaskStore:
    """In-memory entities keyed by Autotask ids; every method is safe across threads."""

    def __init__(
        self,
        *,
        hub_id_udf: str,
        udf_names: Sequence[str] = (),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.hub_id_udf = hub_id_udf
        self.udf_names = tuple(dict.fromkeys([hub_id_udf, *udf_names]))
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._tables = {name: _Table() for name in ENTITIES}
            self._next_id = _FIRST_ID
            self._seq = 0

    def create(self, entity: str, body: object) -> int:
        values = self._writable(entity, body, creating=True)
        with self._lock:
            item_id, self._next_id = self._next_id, self._next_id + 1
            now = _timestamp(self._clock())
            record: dict[str, Any] = dict.fromkeys(ENTITIES[entity])
            record["userDefinedFields"] = [{"name": n, "value": None} for n in self.udf_names]
            record.update(isActive=True, id=item_id, createDate=now)
            self._apply(record, values, now)
            self._tables[entity].records[item_id] = record
            return item_id

    def update(self, entity: str, body: object) -> int:
        values = self._writable(entity, body, creating=False)
        item_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise SandboxRefusal("An update needs the id of the record to update")
        with self._lock:
            table = self._tables[entity]
            record = table.records.get(item_id)
            if record is None:
                raise SandboxRefusal(f"Could not find a {SINGULAR[entity]} with id {item_id}")
            now = _timestamp(self._clock())
            self._apply(record, values, now)
            self._seq += 1
            table.updates[item_id].append({"seq": self._seq, "at": now, "fields": values})
            return item_id

    def get(self, entity: str, item_id: int) -> dict[str, Any] | None:
        self._fields(entity)
        with self._lock:
            record = self._tables[entity].records.get(item_id)
            return copy.deepcopy(record) if record is not None else None

    def query(self, entity: str, body: object, *, after: int | None) -> QueryResult:
        match, max_records, include = self._parse_query(entity, body)
        with self._lock:
            found = []
            for item_id in sorted(self._tables[entity].records):
                record = self._tables[entity].records[item_id]
                if (after is None or item_id > after) and match(record):
                    found.append(_only(record, include))
                    if len(found) > max_records:
                        break
        more = len(found) > max_records
        items = found[:max_records]
        return QueryResult(items, max_records, items[-1]["id"] if more else None)

    def count(self, entity: str, body: object) -> int:
        match, _, _ = self._parse_query(entity, body)
        with self._lock:
            return sum(1 for r in self._tables[entity].records.values() if match(r))

    def fields(self, entity: str) -> list[dict[str, Any]]:
        return [_field_info(spec) for spec in self._fields(entity).values()]

    def snapshot(self) -> dict[str, Any]:
        """Records, counts, duplicates by the hub's id, and each record's updates in order."""
        with self._lock:
            return {
                "entities": {
                    n: copy.deepcopy(list(t.records.values())) for n, t in self._tables.items()
                },
                "counts": {n: len(t.records) for n, t in self._tables.items()},
                "duplicates": {n: self._duplicates(t) for n, t in self._tables.items()},
                "duplicate_count": {
                    n: sum(len(ids) - 1 for ids in self._duplicates(t).values())
                    for n, t in self._tables.items()
                },
                "updates": {
                    n: {str(i): copy.deepcopy(u) for i, u in t.updates.items()}
                    for n, t in self._tables.items()
                },
            }

    def _duplicates(self, table: _Table) -> dict[str, list[int]]:
        by_hub_id: dict[str, list[int]] = defaultdict(list)
        for item_id, record in table.records.items():
            hub_id = udf_value(record, self.hub_id_udf)
            if hub_id:
                by_hub_id[str(hub_id)].append(item_id)
        return {hub_id: ids for hub_id, ids in by_hub_id.items() if len(ids) > 1}

    def _apply(self, record: dict[str, Any], values: Mapping[str, Any], now: str) -> None:
        for name, value in values.items():
            if name == "userDefinedFields":
                given = {udf["name"]: udf.get("value") for udf in value}
                for udf in record["userDefinedFields"]:
                    udf["value"] = given.get(udf["name"], udf["value"])
            else:
                record[name] = value
        record["lastTrackedModifiedDateTime"] = now

    def _fields(self, entity: str) -> dict[str, FieldSpec]:
        fields = ENTITIES.get(entity)
        if fields is None:
            raise SandboxRefusal(f"The entity {entity} is not served by this API", status=404)
        return fields

    def _writable(self, entity: str, body: object, *, creating: bool) -> dict[str, Any]:
        """The writable fields of a create or update body, or the vendor's list of errors."""
        fields = self._fields(entity)
        if not isinstance(body, dict):
            raise SandboxRefusal("The request body must be a JSON object")
        errors = [
            f"Unable to find {name} in the {SINGULAR[entity]} entity"
            for name in body
            if name not in fields
        ]
        errors += [
            e
            for name, value in body.items()
            if name in fields
            for e in self._check(fields[name], value)
        ]
        if creating:
            missing = [s.name for s in fields.values() if s.required and s.name not in body]
            errors += [f"{name}: a value is required" for name in missing]
        if errors:
            raise SandboxRefusal(*errors)
        return {k: copy.deepcopy(v) for k, v in body.items() if not fields[k].read_only}

    def _check(self, spec: FieldSpec, value: object) -> list[str]:
        if spec.read_only:
            return []
        if value is None or value == "":
            return [f"{spec.name}: a value is required"] if spec.required else []
        if not _CHECKS[spec.data_type](value):
            return [f"{spec.name}: {value!r} is not a valid {spec.data_type}"]
        if spec.picklist and value not in {v for v, _ in spec.picklist}:
            return [f"{spec.name}: {value!r} is not a value of its picklist"]
        if spec.data_type is DataType.LIST:
            return self._check_udfs(value)
        return []

    def _check_udfs(self, value: object) -> list[str]:
        errors = []
        for udf in value if isinstance(value, list) else ():
            if not isinstance(udf, dict) or not isinstance(udf.get("name"), str):
                errors.append("userDefinedFields: each item needs a name and a value")
            elif udf["name"] not in self.udf_names:
                errors.append(f"userDefinedFields: no user-defined field named {udf['name']}")
        return errors

    def _parse_query(
        self, entity: str, body: object
    ) -> tuple[Callable[[Mapping[str, Any]], bool], int, list[str] | None]:
        fields = self._fields(entity)
        if not isinstance(body, dict):
            raise SandboxRefusal("The query body must be a JSON object")
        parts = {key.lower(): value for key, value in body.items()}
        match = compile_filter(parts.get("filter"), SINGULAR[entity], fields, self.udf_names)
        max_records = parts.get("maxrecords", MAX_RECORDS)
        if not isinstance(max_records, int) or not 1 <= max_records <= MAX_RECORDS:
            raise SandboxRefusal(f"MaxRecords must be between 1 and {MAX_RECORDS}")
        include = parts.get("includefields")
        if include is not None and (
            not isinstance(include, list) or any(name not in fields for name in include)
        ):
            raise SandboxRefusal("IncludeFields must list fields of the entity")
        return match, max_records, include


def _only(record: Mapping[str, Any], include: list[str] | None) -> dict[str, Any]:
    if not include:
        return copy.deepcopy(dict(record))
    return {name: copy.deepcopy(record[name]) for name in ["id", *include]}


def _field_info(spec: FieldSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "dataType": spec.data_type.value,
        "isRequired": spec.required,
        "isReadOnly": spec.read_only,
        "isQueryable": spec.data_type is not DataType.LIST,
        "isReference": False,
        "isPickList": bool(spec.picklist),
        "picklistValues": [
            {"value": str(value), "label": label, "isActive": True, "isSystem": True}
            for value, label in spec.picklist
        ]
        if spec.picklist
        else None,
    }
