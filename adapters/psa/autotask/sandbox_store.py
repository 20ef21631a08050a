"""The Autotask sandbox's records: validation as the vendor does it, history for tests."""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.psa.autotask.sandbox_checks import field_info, written
from adapters.psa.autotask.sandbox_entities import RULES
from adapters.psa.autotask.sandbox_fields import EntityRules, SandboxRefusal
from adapters.psa.autotask.sandbox_query import compile_filter
from adapters.psa.autotask.translate import api_time, udf_value

MAX_RECORDS = 500
INVOICES = "Invoices"
_FIRST_ID = 29_700_001


def _now() -> datetime:
    return datetime.now(UTC)


def _no_method(method: str) -> SandboxRefusal:
    return SandboxRefusal(
        f"The requested resource does not support http method '{method}'.", status=405
    )


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
            self._tables = {name: _Table() for name in RULES}
            self._next_id = _FIRST_ID
            self._seq = 0

    def create(self, entity: str, body: object) -> int:
        """``POST /{Entity}``: not for entities the API cannot create (Invoices, children)."""
        rules = self._rules(entity)
        if not rules.api_create:
            raise _no_method("POST")
        return self._insert(entity, written(rules, body, self.udf_names, complete=True))

    def create_child(self, parent: str, parent_id: int, entity: str, body: object) -> int:
        """``POST /{Parent}/{parentId}/{Child}``, e.g. a Contact under its Company."""
        rules, link = self._child(parent, entity)
        given = dict(body) if isinstance(body, dict) else body
        if isinstance(given, dict) and given.setdefault(link, parent_id) != parent_id:
            raise SandboxRefusal(f"{link}: must be the parent's id {parent_id}")
        values = written(rules, given, self.udf_names, complete=True)
        self._parent_exists(parent, parent_id)
        return self._insert(entity, values)

    def seed(self, entity: str, body: object) -> int:
        """A record Autotask makes itself (an invoice from billing), read-only fields and all."""
        rules = self._rules(entity)
        return self._insert(
            entity, written(rules, body, self.udf_names, complete=True, system=True)
        )

    def update(self, entity: str, body: object, *, replace: bool = False) -> int:
        """``PATCH`` (or ``PUT`` with ``replace``) ``/{Entity}``; children go through parents."""
        rules = self._rules(entity)
        if rules.parent is not None:
            raise _no_method("PUT" if replace else "PATCH")
        return self._change(entity, rules, body, replace=replace, parent_id=None)

    def update_child(self, parent: str, parent_id: int, entity: str, body: object) -> int:
        rules, _ = self._child(parent, entity)
        return self._change(entity, rules, body, replace=False, parent_id=parent_id)

    def void_invoice(self, item_id: int) -> dict[str, Any]:
        """What voiding an invoice in Autotask's UI does to its record."""
        with self._lock:
            record = self._tables[INVOICES].records.get(item_id)
            if record is None:
                raise SandboxRefusal(f"Could not find an Invoice with id {item_id}", status=404)
            record.update(isVoided=True, voidedDate=api_time(self._clock()))
            return copy.deepcopy(record)

    def get(self, entity: str, item_id: int) -> dict[str, Any] | None:
        self._rules(entity)
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
        return [field_info(spec) for spec in self._rules(entity).fields.values()]

    def snapshot(self) -> dict[str, Any]:
        """Records, counts, duplicates by the hub's id, and each record's updates in order."""
        with self._lock:
            duplicates = {n: self._duplicates(t) for n, t in self._tables.items()}
            return {
                "entities": {
                    n: copy.deepcopy(list(t.records.values())) for n, t in self._tables.items()
                },
                "counts": {n: len(t.records) for n, t in self._tables.items()},
                "duplicates": duplicates,
                "duplicate_count": {
                    n: sum(len(ids) - 1 for ids in found.values())
                    for n, found in duplicates.items()
                },
                "updates": {
                    n: {str(i): copy.deepcopy(u) for i, u in t.updates.items()}
                    for n, t in self._tables.items()
                },
            }

    def _insert(self, entity: str, values: Mapping[str, Any]) -> int:
        rules = RULES[entity]
        with self._lock:
            item_id, self._next_id = self._next_id, self._next_id + 1
            now = api_time(self._clock())
            record: dict[str, Any] = dict.fromkeys(rules.fields)
            if "userDefinedFields" in rules.fields:
                record["userDefinedFields"] = [{"name": n, "value": None} for n in self.udf_names]
            record.update(copy.deepcopy(dict(rules.defaults)), id=item_id)
            if rules.created:
                record[rules.created] = now
            _apply(rules, record, values, now)
            self._tables[entity].records[item_id] = record
            return item_id

    def _change(
        self,
        entity: str,
        rules: EntityRules,
        body: object,
        *,
        replace: bool,
        parent_id: int | None,
    ) -> int:
        values = written(rules, body, self.udf_names, complete=replace)
        item_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise SandboxRefusal("An update needs the id of the record to update")
        if replace:  # PUT: what the body leaves out is emptied
            blank = [s.name for s in rules.fields.values() if not s.read_only and s.name != "id"]
            values = {name: None for name in blank if name != "userDefinedFields"} | values
        with self._lock:
            table = self._tables[entity]
            record = table.records.get(item_id)
            if record is None or (parent_id is not None and _parent_of(rules, record) != parent_id):
                raise SandboxRefusal(f"Could not find a {rules.singular} with id {item_id}")
            now = api_time(self._clock())
            _apply(rules, record, values, now)
            self._seq += 1
            table.updates[item_id].append({"seq": self._seq, "at": now, "fields": values})
            return item_id

    def _rules(self, entity: str) -> EntityRules:
        rules = RULES.get(entity)
        if rules is None:
            raise SandboxRefusal(f"The entity {entity} is not served by this API", status=404)
        return rules

    def _child(self, parent: str, entity: str) -> tuple[EntityRules, str]:
        rules = RULES.get(entity)
        if rules is None or rules.parent is None or rules.parent[0] != parent:
            raise SandboxRefusal(f"{parent} has no child collection {entity}", status=404)
        return rules, rules.parent[1]

    def _parent_exists(self, parent: str, parent_id: int) -> None:
        with self._lock:
            if parent_id not in self._tables[parent].records:
                singular = RULES[parent].singular
                raise SandboxRefusal(f"Could not find a {singular} with id {parent_id}")

    def _duplicates(self, table: _Table) -> dict[str, list[int]]:
        by_hub_id: dict[str, list[int]] = defaultdict(list)
        for item_id, record in table.records.items():
            hub_id = udf_value(record, self.hub_id_udf)
            if hub_id:
                by_hub_id[str(hub_id)].append(item_id)
        return {hub_id: ids for hub_id, ids in by_hub_id.items() if len(ids) > 1}

    def _parse_query(
        self, entity: str, body: object
    ) -> tuple[Callable[[Mapping[str, Any]], bool], int, list[str] | None]:
        rules = self._rules(entity)
        if not isinstance(body, dict):
            raise SandboxRefusal("The query body must be a JSON object")
        parts = {key.lower(): value for key, value in body.items()}
        match = compile_filter(parts.get("filter"), rules.singular, rules.fields, self.udf_names)
        max_records = parts.get("maxrecords", MAX_RECORDS)
        if not isinstance(max_records, int) or not 1 <= max_records <= MAX_RECORDS:
            raise SandboxRefusal(f"MaxRecords must be between 1 and {MAX_RECORDS}")
        include = parts.get("includefields")
        if include is not None and (
            not isinstance(include, list) or any(name not in rules.fields for name in include)
        ):
            raise SandboxRefusal("IncludeFields must list fields of the entity")
        return match, max_records, include


def _apply(rules: EntityRules, record: dict[str, Any], values: Mapping[str, Any], now: str) -> None:
    for name, value in values.items():
        if name == "userDefinedFields":
            given = {udf["name"]: udf.get("value") for udf in value}
            for udf in record["userDefinedFields"]:
                udf["value"] = given.get(udf["name"], udf["value"])
        else:
            record[name] = value
    if rules.modified:  # each entity names its own stamp, and every change moves it
        record[rules.modified] = now


def _parent_of(rules: EntityRules, record: Mapping[str, Any]) -> object:
    return record.get(rules.parent[1]) if rules.parent else None


def _only(record: Mapping[str, Any], include: list[str] | None) -> dict[str, Any]:
    if not include:
        return copy.deepcopy(dict(record))
    return {name: copy.deepcopy(record[name]) for name in ["id", *include]}
