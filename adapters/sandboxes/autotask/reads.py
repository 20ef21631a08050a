"""The Autotask sandbox's reads: get, child lists, queries, entity information, the snapshot.

``AutotaskStore`` (``sandbox_store.py``) holds the tables and writes them; this mixin reads
them under the same lock.
"""

from __future__ import annotations

import copy
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.sandboxes.autotask.checks import field_info
from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.fields import DataType, EntityRules, SandboxRefusal
from adapters.sandboxes.autotask.query import compile_filter
from adapters.vendors.autotask.contract import UDFS, udf_value

MAX_RECORDS = 500


@dataclass
class Table:
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    updates: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    deleted: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class QueryResult:
    items: list[dict[str, Any]]
    max_records: int
    next_after: int | None  # the last id of this page when another page follows


class LiveRecords:
    """The tables as ``sandbox_links`` rules see them (live records: hold the lock)."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self._tables = tables

    def find(self, entity: str, item_id: object) -> dict[str, Any] | None:
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            return None
        return self._tables[entity].records.get(item_id)

    def rows(self, entity: str) -> Iterable[dict[str, Any]]:
        return self._tables[entity].records.values()


def rules_of(entity: str, served: Mapping[str, EntityRules] = RULES) -> EntityRules:
    rules = served.get(entity)
    if rules is None:
        raise SandboxRefusal(f"The entity {entity} is not served by this API", status=404)
    return rules


def child_rules(
    parent: str, collection: str, served: Mapping[str, EntityRules] = RULES
) -> tuple[str, EntityRules, str]:
    """A child entity under its parent's URL (``/Quotes/{id}/Items`` are QuoteItems): its
    name, its rules and the field that links it to its parent."""
    for name, rules in served.items():
        linked = rules.parent is not None and rules.parent[0] == parent
        if linked and rules.parent and (rules.collection or name) == collection:
            return name, rules, rules.parent[1]
    raise SandboxRefusal(f"{parent} has no child collection {collection}", status=404)


class StoreReads:
    _lock: threading.Lock
    _tables: dict[str, Table]
    hub_id_udf: str
    udf_names: tuple[str, ...]
    entity_udf_names: Mapping[str, tuple[str, ...]]
    rules: Mapping[str, EntityRules]  # this instance's (``instance.py``)

    def udfs(self, entity: str) -> tuple[str, ...]:
        """The user-defined fields of an entity: the hub's id, the shared ones, its own."""
        if UDFS not in rules_of(entity, self.rules).fields:
            return ()
        own = self.entity_udf_names.get(entity, ())
        return tuple(dict.fromkeys([*self.udf_names, *own]))

    def get(self, entity: str, item_id: int) -> dict[str, Any] | None:
        rules_of(entity, self.rules)
        with self._lock:
            record = self._tables[entity].records.get(item_id)
            return copy.deepcopy(record) if record is not None else None

    def child(self, parent: str, parent_id: int, collection: str, item_id: int) -> Any:
        entity, _, link = child_rules(parent, collection, self.rules)
        record = self.get(entity, item_id)
        return record if record is not None and record.get(link) == parent_id else None

    def children(self, parent: str, parent_id: int, collection: str) -> list[dict[str, Any]]:
        """``GET /{Parent}/{parentId}/{Child}``: the parent's children, as a query lists them."""
        entity, rules, link = child_rules(parent, collection, self.rules)
        with self._lock:
            return [
                _only(rules, record, None)
                for _, record in sorted(self._tables[entity].records.items())
                if record.get(link) == parent_id
            ][:MAX_RECORDS]

    def query(self, entity: str, body: object, *, after: int | None) -> QueryResult:
        match, max_records, include = self._parse_query(entity, body)
        rules = self.rules[entity]
        with self._lock:
            found = []
            for item_id in sorted(self._tables[entity].records):
                record = self._tables[entity].records[item_id]
                if (after is None or item_id > after) and match(record):
                    found.append(_only(rules, record, include))
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
        return [field_info(spec) for spec in rules_of(entity, self.rules).fields.values()]

    def entity_info(self, entity: str) -> dict[str, Any]:
        """``GET /{Entity}/entityInformation``: what the API lets a caller do with it."""
        rules = rules_of(entity, self.rules)
        return {
            "name": entity,
            "canCreate": rules.api_create or rules.parent is not None,
            "canUpdate": rules.api_update,
            "canDelete": rules.api_delete,
            "canQuery": True,
            "hasUserDefinedFields": UDFS in rules.fields,
        }

    def udf_fields(self, entity: str) -> list[dict[str, Any]]:
        """``GET /{Entity}/entityInformation/userDefinedFields``: text UDFs, none required."""
        return [
            {
                "name": name,
                "label": name,
                "dataType": DataType.STRING.value,
                "length": 8000,
                "isRequired": False,
                "isReadOnly": False,
                "isQueryable": True,
                "isPickList": False,
                "picklistValues": None,
            }
            for name in self.udfs(entity)
        ]

    def snapshot(self) -> dict[str, Any]:
        """Records, counts, duplicates by the hub's id, each record's updates in order, and
        the ids deleted."""
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
                "deleted": {n: list(t.deleted) for n, t in self._tables.items()},
            }

    def _duplicates(self, table: Table) -> dict[str, list[int]]:
        by_hub_id: dict[str, list[int]] = defaultdict(list)
        for item_id, record in table.records.items():
            hub_id = udf_value(record, self.hub_id_udf)
            if hub_id:
                by_hub_id[str(hub_id)].append(item_id)
        return {hub_id: ids for hub_id, ids in by_hub_id.items() if len(ids) > 1}

    def _parse_query(
        self, entity: str, body: object
    ) -> tuple[Callable[[Mapping[str, Any]], bool], int, list[str] | None]:
        rules = rules_of(entity, self.rules)
        if not isinstance(body, dict):
            raise SandboxRefusal("The query body must be a JSON object")
        parts = {key.lower(): value for key, value in body.items()}
        udfs = self.udfs(entity)
        match = compile_filter(parts.get("filter"), rules.singular, rules.fields, udfs)
        max_records = parts.get("maxrecords", MAX_RECORDS)
        if not isinstance(max_records, int) or not 1 <= max_records <= MAX_RECORDS:
            raise SandboxRefusal(f"MaxRecords must be between 1 and {MAX_RECORDS}")
        include = parts.get("includefields")
        if include is not None and (
            not isinstance(include, list) or any(name not in rules.fields for name in include)
        ):
            raise SandboxRefusal("IncludeFields must list fields of the entity")
        return match, max_records, include


def _only(rules: EntityRules, record: Mapping[str, Any], include: list[str] | None) -> Any:
    """A record as a list shows it: the fields asked for, without those only a GET returns."""
    names = ["id", *include] if include else list(record)
    return {
        name: None if name in rules.listed_without else copy.deepcopy(record[name])
        for name in names
    }
