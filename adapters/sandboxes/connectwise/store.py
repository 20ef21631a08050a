"""The ConnectWise sandbox's records: validation, JSON Patch, queries, and what tests inspect.

Records keep references as ``{"id": n}``; answers show them as ConnectWise does, with the
target's name (or identifier) and ``_info`` hrefs. Every write bumps ``_info.lastUpdated``.
A company deleted goes to the recycle bin (``deletedFlag``), still listed. The snapshot
(``GET /_sandbox/state``) counts records per resource and names duplicates per hub entity;
``catalog_changes`` lists every change made to a catalog item after its creation (CW-7).
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.sandboxes.connectwise.conditions import Predicate
from adapters.sandboxes.connectwise.schema import BY_PATH, LAST_UPDATED, RESOURCES, Resource
from adapters.sandboxes.connectwise.seed import seed_lookups
from adapters.vendors.connectwise.contract import BAD_CONDITION, INVALID_OBJECT

COMMUNICATIONS = "company/contacts/communications"
UNIQUE_IDENTIFIERS = ("company/companies", "procurement/catalog")  # ObjectExists on a twin


@dataclass
class CwError(Exception):
    """An answer with ConnectWise's error envelope: ``{"code","message","errors"}``."""

    status: int
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}


def invalid(resource: Resource, code: str, message: str, field_name: str) -> CwError:
    return CwError(
        400,
        INVALID_OBJECT,
        f"{resource.name} object is invalid",
        [{"code": code, "message": message, "resource": resource.name, "field": field_name}],
    )


def bad_condition(message: str) -> CwError:
    return CwError(400, BAD_CONDITION, message)


@dataclass
class Knobs:
    """ConnectWise's own faults, beside the kit's: writes that happen and then answer a 500
    timeout, and the resources the API member's security role denies (403)."""

    timeouts_after_write: int = 0
    denied: set[str] = field(default_factory=set)


class ConnectWiseStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.knobs = Knobs()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.records: dict[str, dict[int, dict[str, Any]]] = {r.path: {} for r in RESOURCES}
            self.files: dict[int, bytes] = {}
            self.catalog_changes: list[dict[str, Any]] = []
            self.journal: list[dict[str, Any]] = []
            self._next = 1
            self.knobs = Knobs()
            seed_lookups(self)

    # --- writes -------------------------------------------------------------------------

    def new_id(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def insert(self, path: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """A record put in place as-is (seeding, control routes): no validation."""
        with self._lock:
            record = {**copy.deepcopy(dict(values)), "id": self.new_id()}
            record["_info"] = {LAST_UPDATED: _now()}
            self.records[path][record["id"]] = record
            return record

    def create(self, resource: Resource, body: object, *, parent: int | None = None) -> int:
        with self._lock:
            values = self._validated(resource, _object(resource, body), creating=True)
            for flag in (name for name in resource.scalars if name.endswith("Flag")):
                values.setdefault(flag, False)  # ConnectWise answers every flag
            if resource.path in UNIQUE_IDENTIFIERS:
                self._unique_identifier(resource, values)
            if resource.path == "company/contacts":
                values["communicationItems"] = [
                    self._communication(item) for item in values.get("communicationItems") or ()
                ]
            if resource.path == COMMUNICATIONS:
                contact = self._contact(parent)
                item = self._communication(values)
                contact.setdefault("communicationItems", []).append(item)
                self._touch(contact)
                return int(item["id"])
            record = self.insert(resource.path, values)
            return int(record["id"])

    def patch(
        self, resource: Resource, record_id: int, ops: object, *, parent: int | None = None
    ) -> None:
        if not isinstance(ops, list):
            raise CwError(400, INVALID_OBJECT, "The patch body must be a JSON array of operations")
        with self._lock:
            current = self.raw(resource, record_id, parent=parent)
            changed = copy.deepcopy(current)
            for op in ops:
                _apply(resource, changed, op)
            values = self._validated(
                resource, {k: v for k, v in changed.items() if k not in ("id", "_info")}, False
            )
            if resource.path in UNIQUE_IDENTIFIERS and values.get("identifier") != current.get(
                "identifier"
            ):
                self._unique_identifier(resource, values)
            if resource.path == "procurement/catalog":
                self.catalog_changes.append({"id": record_id, "ops": copy.deepcopy(ops)})
            if resource.path == "company/contacts":
                values["communicationItems"] = [
                    item if "id" in item else self._communication(item)
                    for item in values.get("communicationItems") or ()
                ]
            current.clear()
            current.update({**values, "id": record_id, "_info": changed.get("_info", {})})
            if resource.path == COMMUNICATIONS:
                current["communicationType"] = self._type_name(current)
                self._touch(self._contact(parent))
            else:
                self._touch(current)

    def delete(self, resource: Resource, record_id: int, *, parent: int | None = None) -> None:
        with self._lock:
            record = self.raw(resource, record_id, parent=parent)
            if resource.path == "company/companies":
                record["deletedFlag"] = True  # the recycle bin: still there, still listed
                self._touch(record)
            elif resource.path == COMMUNICATIONS:
                contact = self._contact(parent)
                contact["communicationItems"] = [
                    i for i in contact.get("communicationItems") or () if i["id"] != record_id
                ]
                self._touch(contact)
            else:
                del self.records[resource.path][record_id]
                self.files.pop(record_id, None)

    def upload(self, fields: Mapping[str, str], file_name: str, content: bytes) -> int:
        resource = BY_PATH["system/documents"]
        record_type, record_id = fields.get("recordType", ""), fields.get("recordId", "")
        if not record_type or not record_id.isdigit():
            raise invalid(
                resource, "MissingRequiredField", "recordType and recordId are required", "recordId"
            )
        target = {"opportunity": "sales/opportunities", "company": "company/companies"}.get(
            record_type.casefold()
        )
        if target is None or int(record_id) not in self.records[target]:
            raise invalid(
                resource, "InvalidField", f"{record_type} {record_id} not found", "recordId"
            )
        with self._lock:
            record = self.insert(
                "system/documents",
                {
                    "title": fields.get("title") or file_name,
                    "fileName": file_name,
                    "recordType": record_type,
                    "recordId": int(record_id),
                    "size": len(content),
                    "publicFlag": fields.get("privateFlag", "").casefold() != "true",
                    "readOnlyFlag": False,
                },
            )
            self.files[record["id"]] = content
            return int(record["id"])

    # --- reads --------------------------------------------------------------------------

    def raw(
        self, resource: Resource, record_id: int, *, parent: int | None = None
    ) -> dict[str, Any]:
        if resource.path == COMMUNICATIONS:
            for item in self._contact(parent).get("communicationItems") or ():
                if item["id"] == record_id:
                    found: dict[str, Any] = item
                    return found
            raise CwError(404, "NotFound", f"Communication {record_id} not found")
        record = self.records[resource.path].get(record_id)
        if record is None:
            raise CwError(
                404,
                "NotFound",
                f"{resource.name[:1].upper()}{resource.name[1:]} {record_id} not found",
            )
        return record

    def query(
        self,
        resource: Resource,
        predicates: Sequence[Predicate],
        *,
        parent: int | None = None,
        order: tuple[str, bool] = ("id", False),
    ) -> list[dict[str, Any]]:
        with self._lock:
            if resource.path == COMMUNICATIONS:
                rows = [
                    self.render(resource, i)
                    for i in self._contact(parent).get("communicationItems") or ()
                ]
            else:
                rows = [
                    self.render(resource, r, answer=False)
                    for r in self.records[resource.path].values()
                ]
        rows = [
            {k: v for k, v in row.items() if k not in resource.hidden}
            for row in rows
            if all(p(row) for p in predicates)
        ]
        key, descending = order
        rows.sort(
            key=lambda r: (
                r.get(key) is None,
                str(r.get(key)) if not isinstance(r.get(key), (int, float)) else r.get(key),
            ),
            reverse=descending,
        )
        return rows

    def render(
        self, resource: Resource, record: Mapping[str, Any], *, answer: bool = True
    ) -> dict[str, Any]:
        """The record as ConnectWise answers it: references named, ``_info`` with hrefs;
        ``answer`` False keeps the hidden fields, for searching."""
        shown = copy.deepcopy(dict(record))
        if answer:
            for name in resource.hidden:
                shown.pop(name, None)
        for name, target in resource.references.items():
            if isinstance(shown.get(name), dict):
                shown[name] = self._reference(target, shown[name])
        for name, target in resource.ref_arrays.items():
            shown[name] = [self._reference(target, ref) for ref in shown.get(name) or ()]
        if resource.path == "company/contacts":
            shown["communicationItems"] = [
                self.render(BY_PATH[COMMUNICATIONS.casefold()], i)
                for i in shown.get("communicationItems") or ()
            ]
        info = dict(shown.get("_info") or {})
        info.setdefault(LAST_UPDATED, _now())
        info["updatedBy"] = "Q2CSandbox"
        shown["_info"] = info
        return shown

    def _reference(self, target: str, ref: Mapping[str, Any]) -> dict[str, Any]:
        found = self.records[target].get(ref.get("id"))  # type: ignore[arg-type]
        label = BY_PATH[target.casefold()].label
        shown: dict[str, Any] = {"id": ref.get("id")}
        if found is not None:
            shown[label] = found.get(label)
            if target == "company/companies":
                shown["name"] = found.get("name")
        shown["_info"] = {"href": f"/{target}/{ref.get('id')}"}
        return shown

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            counts = {path: len(rows) for path, rows in self.records.items() if rows}
            return {
                "counts": counts,
                "duplicates": self.duplicates(),
                "catalog_changes": copy.deepcopy(self.catalog_changes),
                "knobs": {
                    "timeouts_after_write": self.knobs.timeouts_after_write,
                    "denied": sorted(self.knobs.denied),
                },
            }

    def duplicates(self) -> dict[str, list[Any]]:
        """Twins of one hub entity: the same company name, contact (company, name), opportunity
        name, product item per (opportunity, integrationXRef), catalog MPN, document title."""

        def twins(path: str, key: Any) -> list[Any]:
            seen = Counter(key(r) for r in self.records[path].values() if not r.get("deletedFlag"))
            return sorted((str(k) for k, n in seen.items() if n > 1 and k is not None))

        def ref(record: Mapping[str, Any], name: str) -> Any:
            value = record.get(name)
            return value.get("id") if isinstance(value, dict) else None

        return {
            "company/companies": twins(
                "company/companies", lambda r: str(r.get("name")).casefold()
            ),
            "company/contacts": twins(
                "company/contacts",
                lambda r: (ref(r, "company"), str(r.get("firstName")), str(r.get("lastName"))),
            ),
            "sales/opportunities": twins("sales/opportunities", lambda r: r.get("name")),
            "procurement/products": twins(
                "procurement/products",
                lambda r: (
                    (ref(r, "opportunity"), r.get("integrationXRef"))
                    if r.get("integrationXRef")
                    else None
                ),
            ),
            "procurement/catalog": twins(
                "procurement/catalog", lambda r: r.get("manufacturerPartNumber") or None
            ),
            "system/documents": twins(
                "system/documents",
                lambda r: (r.get("recordType"), r.get("recordId"), r.get("title")),
            ),
        }

    # --- validation ---------------------------------------------------------------------

    def _validated(
        self, resource: Resource, body: Mapping[str, Any], creating: bool
    ) -> dict[str, Any]:
        known = set(resource.scalars) | set(resource.references) | set(resource.ref_arrays)
        values = {k: copy.deepcopy(v) for k, v in body.items() if k in known}
        if resource.path == "company/contacts" and "typeIds" in body and creating:
            values["types"] = [{"id": i} for i in body.get("typeIds") or ()]
        for name in resource.required:
            if values.get(name) in (None, "", {}):
                raise invalid(
                    resource, "MissingRequiredField", f"The {name} field is required.", name
                )
        if resource.path == "company/companies" and not any(
            values.get(k) for k in (*_ADDRESS, "country")
        ):
            raise invalid(
                resource,
                "MissingRequiredField",
                "At least one address field is required -- "
                "addressLine1, addressLine2, city, state, zip and/or country",
                "addressLine1",
            )
        _check_lengths_and_choices(resource, values)
        self._resolve_all(resource, values)
        self._subcategory_in_category(resource, values)
        return values

    def _subcategory_in_category(self, resource: Resource, values: Mapping[str, Any]) -> None:
        """A catalog item's subcategory belongs to its category."""
        category, subcategory = values.get("category"), values.get("subcategory")
        if resource.path != "procurement/catalog" or not category or not subcategory:
            return
        found = self.records["procurement/subcategories"][subcategory["id"]]
        if (found.get("category") or {}).get("id") != category["id"]:
            message = f"Subcategory {subcategory['id']} is not in category {category['id']}."
            raise invalid(resource, "InvalidField", message, "subcategory/id")

    def _resolve_all(self, resource: Resource, values: dict[str, Any]) -> None:
        for name, target in resource.references.items():
            if name in values and values[name] is not None:
                values[name] = self._resolve(resource, name, target, values[name])
        for name, target in resource.ref_arrays.items():
            refs = values.get(name)
            if refs is not None:
                if not isinstance(refs, list):
                    raise invalid(resource, "InvalidField", f"{name} must be an array", name)
                values[name] = [self._resolve(resource, name, target, r) for r in refs]

    def _resolve(self, resource: Resource, name: str, target: str, ref: object) -> dict[str, int]:
        """A reference by ``id``, ``identifier`` or ``name``, to a record that is not inactive."""
        if not isinstance(ref, dict):
            raise invalid(resource, "InvalidField", f"{name} must be a reference object", name)
        rows = self.records[target]
        found: dict[str, Any] | None = None
        if "id" in ref:
            found = rows.get(ref["id"]) if isinstance(ref["id"], int) else None
        else:
            for key in ("identifier", "name"):
                if isinstance(ref.get(key), str):
                    found = next(
                        (
                            r
                            for r in rows.values()
                            if str(r.get(key, "")).casefold() == ref[key].casefold()
                        ),
                        None,
                    )
                    break
        if found is None or found.get("deletedFlag"):
            shown = ref.get("id", ref.get("identifier", ref.get("name")))
            raise invalid(
                resource, "InvalidField", f"{name} {shown!r} could not be found.", f"{name}/id"
            )
        if found.get("inactiveFlag"):
            raise invalid(
                resource, "InvalidField", f"{name} {found['id']} is inactive.", f"{name}/id"
            )
        return {"id": int(found["id"])}

    def _unique_identifier(self, resource: Resource, values: Mapping[str, Any]) -> None:
        wanted = str(values.get("identifier", "")).casefold()
        if any(
            str(r.get("identifier", "")).casefold() == wanted
            for r in self.records[resource.path].values()
        ):
            raise invalid(
                resource, "ObjectExists", "The identifier is already in use.", "identifier"
            )

    def _communication(self, item: object) -> dict[str, Any]:
        resource = BY_PATH[COMMUNICATIONS.casefold()]
        values = self._validated(resource, _object(resource, item), creating=True)
        values["id"] = self.new_id()
        values["communicationType"] = self._type_name(values)
        return values

    def _type_name(self, item: Mapping[str, Any]) -> str:
        ref = item.get("type") or {}
        found = self.records["company/communicationTypes"].get(int(ref.get("id") or 0))
        return str(found.get("description")) if found else ""

    def _contact(self, contact_id: int | None) -> dict[str, Any]:
        contact = self.records["company/contacts"].get(contact_id or 0)
        if contact is None:
            raise CwError(404, "NotFound", f"Contact {contact_id} not found")
        return contact

    def _touch(self, record: dict[str, Any]) -> None:
        record.setdefault("_info", {})[LAST_UPDATED] = _now()


_ADDRESS = ("addressLine1", "addressLine2", "city", "state", "zip")


def _object(resource: Resource, body: object) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise CwError(400, INVALID_OBJECT, f"{resource.name} object is invalid: not an object")
    return body


def _check_lengths_and_choices(resource: Resource, values: Mapping[str, Any]) -> None:
    for name, limit in resource.lengths.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            message = f"{name} cannot be longer than {limit} characters."
            raise invalid(resource, "InvalidField", message, name)
    for name, allowed in resource.choices.items():
        if values.get(name) is not None and values[name] not in allowed:
            message = f"{name} must be one of {', '.join(allowed)}"
            raise invalid(resource, "InvalidField", message, name)


def _apply(resource: Resource, record: dict[str, Any], op: object) -> None:
    """One JSON Patch operation (``add``, ``replace``, ``remove``) on a record."""
    if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove"):
        raise CwError(400, INVALID_OBJECT, f"Unsupported patch operation: {op!r}")
    path = str(op.get("path", "")).lstrip("/")
    parts = path.split("/")
    head = parts[0]
    known = set(resource.scalars) | set(resource.references) | set(resource.ref_arrays)
    if head in resource.post_only:
        raise invalid(
            resource,
            "InvalidField",
            f"{head} can only be set on create: use the typeAssociations endpoint",
            head,
        )
    if head not in known:  # paths are case-sensitive
        raise invalid(resource, "InvalidField", f"Cannot patch {path!r}: no such field", path)
    if head in resource.references and len(parts) > 1:
        raise invalid(
            resource, "InvalidField", f"Replace the whole {head} reference, not {path!r}", path
        )
    if len(parts) == 1:
        if op["op"] == "remove":
            record.pop(head, None)
        else:
            record[head] = copy.deepcopy(op.get("value"))
        return
    _apply_in_array(resource, record, op, parts)


def _apply_in_array(
    resource: Resource, record: dict[str, Any], op: dict[str, Any], parts: list[str]
) -> None:
    """``array/index`` (insert, replace, remove an element) or ``array/index/field``."""
    path, head = "/".join(parts), parts[0]
    items = record.get(head)
    if not isinstance(items, list) or not parts[1].isdigit():
        raise invalid(resource, "InvalidField", f"Cannot patch {path!r}", path)
    index = int(parts[1])
    value = copy.deepcopy(op.get("value"))
    if len(parts) == 2:
        if op["op"] == "add" and index <= len(items):
            items.insert(index, value)
        elif index >= len(items):
            raise invalid(resource, "InvalidField", f"No element {index} in {head}", path)
        elif op["op"] == "remove":
            items.pop(index)
        else:
            items[index] = value
        return
    if index >= len(items) or not isinstance(items[index], dict) or len(parts) != 3:
        raise invalid(resource, "InvalidField", f"Cannot patch {path!r}", path)
    if op["op"] == "remove":
        items[index].pop(parts[2], None)
    else:
        items[index][parts[2]] = value


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
