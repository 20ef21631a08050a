"""The Autotask sandbox's records: validation as the vendor does it, history for tests.

Writes are here; reads (get, lists, queries, entity information, the snapshot) are in
``sandbox_reads.py``. Each reset seeds what a new Autotask instance would hold for quoting
(``sandbox_seed.py``): tax categories, billing codes, products, services, a service bundle.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.sandboxes.autotask.checks import written
from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.fields import EntityRules, SandboxRefusal
from adapters.sandboxes.autotask.instance import instance_rules, shifted_values
from adapters.sandboxes.autotask.links import Write, referrers, settle
from adapters.sandboxes.autotask.reads import (
    MAX_RECORDS,
    LiveRecords,
    QueryResult,
    StoreReads,
    Table,
    child_rules,
    rules_of,
)
from adapters.sandboxes.autotask.seed import SEEDS
from adapters.vendors.autotask.contract import UDFS, api_time

__all__ = ["INVOICES", "MAX_RECORDS", "AutotaskStore", "QueryResult"]

INVOICES = "Invoices"
_FIRST_ID = 29_700_001


def _now() -> datetime:
    return datetime.now(UTC)


def _no_method(method: str) -> SandboxRefusal:
    return SandboxRefusal(
        f"The requested resource does not support http method '{method}'.", status=405
    )


class AutotaskStore(StoreReads):
    """In-memory entities keyed by Autotask ids; every method is safe across threads.

    ``udf_names`` are user-defined fields of every entity that has them (beside the hub's id);
    ``entity_udf_names`` adds an entity's own, e.g. the Opportunity's quote URL (PAY-14);
    ``picklist_offset`` makes this instance's picklist values its own (``instance.py``).
    """

    def __init__(
        self,
        *,
        hub_id_udf: str,
        udf_names: Sequence[str] = (),
        entity_udf_names: Mapping[str, Sequence[str]] | None = None,
        clock: Callable[[], datetime] = _now,
        picklist_offset: int = 0,
    ) -> None:
        self.picklist_offset = picklist_offset
        self.rules = instance_rules(picklist_offset)
        self.hub_id_udf = hub_id_udf
        self.udf_names = tuple(dict.fromkeys([hub_id_udf, *udf_names]))
        self.entity_udf_names = {e: tuple(n) for e, n in (entity_udf_names or {}).items()}
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._tables = {name: Table() for name in self.rules}
            self._next_id = _FIRST_ID
            self._seq = 0
        for entity, item_id, body in SEEDS:
            seeded = {"id": item_id, **shifted_values(entity, body, self.picklist_offset)}
            rules = self.rules[entity]
            values = written(rules, seeded, self.udfs(entity), complete=True, system=True)
            self._insert(entity, values, item_id=item_id)

    def create(self, entity: str, body: object) -> int:
        """``POST /{Entity}``: not for entities the API cannot create (Invoices, children)."""
        rules = rules_of(entity, self.rules)
        if not rules.api_create:
            raise _no_method("POST")
        return self._insert(entity, written(rules, body, self.udfs(entity), complete=True))

    def create_child(self, parent: str, parent_id: int, collection: str, body: object) -> int:
        """``POST /{Parent}/{parentId}/{Child}``, e.g. a Contact under its Company."""
        entity, rules, link = child_rules(parent, collection, self.rules)
        given = dict(body) if isinstance(body, dict) else body
        if isinstance(given, dict) and given.setdefault(link, parent_id) != parent_id:
            raise SandboxRefusal(f"{link}: must be the parent's id {parent_id}")
        values = written(rules, given, self.udfs(entity), complete=True)
        self._parent_exists(parent, parent_id)
        return self._insert(entity, values)

    def seed(self, entity: str, body: object) -> int:
        """A record Autotask makes itself (an invoice from billing), read-only fields and all."""
        rules = rules_of(entity, self.rules)
        values = written(rules, body, self.udfs(entity), complete=True, system=True)
        return self._insert(entity, values)

    def update(self, entity: str, body: object, *, replace: bool = False) -> int:
        """``PATCH`` (or ``PUT`` with ``replace``) ``/{Entity}``; children go through parents."""
        rules = rules_of(entity, self.rules)
        if rules.parent is not None or not rules.api_update:
            raise _no_method("PUT" if replace else "PATCH")
        return self._change(entity, rules, body, replace=replace, parent_id=None)

    def update_child(
        self, parent: str, parent_id: int, collection: str, body: object, *, replace: bool = False
    ) -> int:
        entity, rules, _ = child_rules(parent, collection, self.rules)
        if not rules.api_update:
            raise _no_method("PUT" if replace else "PATCH")
        return self._change(entity, rules, body, replace=replace, parent_id=parent_id)

    def delete(self, entity: str, item_id: int) -> int:
        """``DELETE /{Entity}/{id}``, where Autotask has one (ServiceBundles)."""
        rules = rules_of(entity, self.rules)
        if rules.parent is not None or not rules.api_delete:
            raise _no_method("DELETE")
        return self._remove(entity, rules, item_id, parent_id=None)

    def delete_child(self, parent: str, parent_id: int, collection: str, item_id: int) -> int:
        """``DELETE /{Parent}/{parentId}/{Child}/{id}`` (a quote item, an attachment)."""
        entity, rules, _ = child_rules(parent, collection, self.rules)
        if not rules.api_delete:
            raise _no_method("DELETE")
        return self._remove(entity, rules, item_id, parent_id=parent_id)

    def void_invoice(self, item_id: int) -> dict[str, Any]:
        """What voiding an invoice in Autotask's UI does to its record."""
        with self._lock:
            record = self._tables[INVOICES].records.get(item_id)
            if record is None:
                raise SandboxRefusal(f"Could not find an Invoice with id {item_id}", status=404)
            record.update(isVoided=True, voidedDate=api_time(self._clock()))
            return copy.deepcopy(record)

    def _insert(self, entity: str, values: Mapping[str, Any], *, item_id: int | None = None) -> int:
        rules = self.rules[entity]
        with self._lock:
            new_id = self._next_id if item_id is None else item_id
            now = api_time(self._clock())
            record: dict[str, Any] = dict.fromkeys(rules.fields)
            if UDFS in rules.fields:
                record[UDFS] = [{"name": n, "value": None} for n in self.udfs(entity)]
            record.update(copy.deepcopy(dict(rules.defaults)), id=new_id)
            if rules.created:
                record[rules.created] = now
            _apply(rules, record, values, now)
            self._settle(entity, rules, Write(record, LiveRecords(self._tables), True, now))
            self._tables[entity].records[new_id] = record
            if item_id is None:
                self._next_id += 1
            return new_id

    def _change(
        self,
        entity: str,
        rules: EntityRules,
        body: object,
        *,
        replace: bool,
        parent_id: int | None,
    ) -> int:
        values = written(rules, body, self.udfs(entity), complete=replace)
        item_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(item_id, int) or isinstance(item_id, bool):
            raise SandboxRefusal("An update needs the id of the record to update")
        if replace:  # PUT: what the body leaves out is emptied
            blank = [s.name for s in rules.fields.values() if not s.read_only and s.name != "id"]
            values = {name: None for name in blank if name != UDFS} | values
        with self._lock:
            table = self._tables[entity]
            found = self._own(table, rules, item_id, parent_id)
            now = api_time(self._clock())
            record = copy.deepcopy(found)
            _apply(rules, record, values, now)
            self._settle(entity, rules, Write(record, LiveRecords(self._tables), False, now))
            table.records[item_id] = record
            self._seq += 1
            table.updates[item_id].append({"seq": self._seq, "at": now, "fields": values})
            return item_id

    def _remove(
        self, entity: str, rules: EntityRules, item_id: int, *, parent_id: int | None
    ) -> int:
        with self._lock:
            table = self._tables[entity]
            self._own(table, rules, item_id, parent_id, status=404)
            users = referrers(entity, item_id, LiveRecords(self._tables))
            if users:
                raise SandboxRefusal(
                    f"The {rules.singular} {item_id} cannot be deleted: {', '.join(users)}"
                    " refer to it"
                )
            del table.records[item_id]
            table.updates.pop(item_id, None)
            table.deleted.append(item_id)
            return item_id

    def _own(
        self,
        table: Table,
        rules: EntityRules,
        item_id: int,
        parent_id: int | None,
        *,
        status: int = 500,
    ) -> dict[str, Any]:
        """The record ``item_id`` (under ``parent_id`` for a child), or Autotask's refusal."""
        record = table.records.get(item_id)
        if record is None or (parent_id is not None and _parent_of(rules, record) != parent_id):
            raise SandboxRefusal(
                f"Could not find a {rules.singular} with id {item_id}", status=status
            )
        return record

    def _settle(self, entity: str, rules: EntityRules, write: Write) -> None:
        errors = settle(entity, rules, write)
        if errors:
            raise SandboxRefusal(*errors)

    def _parent_exists(self, parent: str, parent_id: int) -> None:
        with self._lock:
            if parent_id not in self._tables[parent].records:
                singular = RULES[parent].singular
                raise SandboxRefusal(f"Could not find a {singular} with id {parent_id}")


def _apply(rules: EntityRules, record: dict[str, Any], values: Mapping[str, Any], now: str) -> None:
    for name, value in values.items():
        if name == UDFS:
            given = {udf["name"]: udf.get("value") for udf in value}
            for udf in record[UDFS]:
                udf["value"] = given.get(udf["name"], udf["value"])
        else:
            record[name] = value
    if rules.modified:  # each entity names its own stamp, and every change moves it
        record[rules.modified] = now


def _parent_of(rules: EntityRules, record: Mapping[str, Any]) -> object:
    return record.get(rules.parent[1]) if rules.parent else None
