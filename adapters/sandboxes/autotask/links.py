"""What Autotask checks across records when one is written, and what it fills in itself.

Every id field declared a reference must name an existing record; then each quoting entity has
its own rules. A rule returns the vendor's error messages and may fill the fields Autotask
works out (a quote's company and number, a quote item's name, price and period, an attachment's
size and content type) on the record about to be stored.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from adapters.sandboxes.autotask import picklists as pick
from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.fields import EntityRules, FieldSpec

_DISCOUNTS = ("unitDiscount", "lineDiscount", "percentageDiscount")
# The billing code use type each kind of quote item (and catalog entry) must point at.
_USE_TYPES = {
    "laborID": pick.WORK_TYPE,
    "chargeID": pick.MATERIAL,
    "expenseID": pick.EXPENSE_CODE,
    "productBillingCodeID": pick.MATERIAL,
    "billingCodeID": pick.RECURRING_SERVICE,
}
_CATALOG = {"productID": "Products", "serviceID": "Services", "serviceBundleID": "ServiceBundles"}
_FIRST_QUOTE_NUMBER = 1001


class Records(Protocol):
    """The store's tables as the rules see them, inside the store's lock."""

    def find(self, entity: str, item_id: object) -> dict[str, Any] | None: ...

    def rows(self, entity: str) -> Iterable[dict[str, Any]]: ...


@dataclass(frozen=True)
class Write:
    """A record about to be stored (a new one, or an updated copy), among the others."""

    record: dict[str, Any]
    records: Records
    is_new: bool
    now: str


def settle(entity: str, rules: EntityRules, write: Write) -> list[str]:
    """The errors that refuse ``write``; with none, its derived fields are filled in."""
    errors = [error for spec in rules.fields.values() for error in _reference(spec, write)]
    rule = _ENTITY_RULES.get(entity)
    return errors or (rule(write) if rule else [])


def _reference(spec: FieldSpec, write: Write) -> list[str]:
    value = write.record.get(spec.name)
    if spec.reference is None or value is None:
        return []
    if write.records.find(spec.reference, value) is not None:
        return []
    return [f"{spec.name}: there is no {RULES[spec.reference].singular} with id {value}"]


def _contact_of_company(record: dict[str, Any], records: Records) -> list[str]:
    contact = records.find("Contacts", record.get("contactID"))
    if contact is None or contact.get("companyID") == record.get("companyID"):
        return []
    return [f"contactID: contact {contact['id']} is not of company {record.get('companyID')}"]


def _opportunity(write: Write) -> list[str]:
    record = write.record
    errors = _contact_of_company(record, write.records)
    owner = write.records.find("Resources", record.get("ownerResourceID")) or {}
    if owner and not owner.get("isActive"):
        errors.append(f"ownerResourceID: the resource {owner['id']} is not active")
    if not 0 <= (record.get("probability") or 0) <= 100:
        errors.append("probability: must be between 0 and 100")
    status = record.get("status")
    if status in (pick.OPPORTUNITY_CLOSED, pick.OPPORTUNITY_IMPLEMENTED):
        record["closedDate"] = record.get("closedDate") or write.now
    if status == pick.OPPORTUNITY_LOST:
        record["lostDate"] = record.get("lostDate") or write.now
    return errors


def _quote(write: Write) -> list[str]:
    record, records = write.record, write.records
    opportunity = records.find("Opportunities", record["opportunityID"]) or {}
    errors = []
    if record.get("companyID") is None:
        record["companyID"] = opportunity.get("companyID")
    elif record["companyID"] != opportunity.get("companyID"):
        errors.append("companyID: must be the company of the quote's opportunity")
    errors += _contact_of_company(record, records)
    if _day(record["expirationDate"]) < _day(record["effectiveDate"]):
        errors.append("expirationDate: must not be before effectiveDate")
    return errors or _primary_quote(write)


def _primary_quote(write: Write) -> list[str]:
    """One quote of an opportunity is its primary quote: the first, or the one made so."""
    record, records = write.record, write.records
    siblings = [
        quote
        for quote in records.rows("Quotes")
        if quote["opportunityID"] == record["opportunityID"] and quote["id"] != record["id"]
    ]
    if write.is_new:
        numbers = [quote.get("quoteNumber") or 0 for quote in records.rows("Quotes")]
        record["quoteNumber"] = max([_FIRST_QUOTE_NUMBER - 1, *numbers]) + 1
        record["primaryQuote"] = record.get("primaryQuote") or not siblings
    if not record.get("primaryQuote") and not any(q.get("primaryQuote") for q in siblings):
        return ["primaryQuote: an opportunity's quotes must keep one primary quote"]
    if record.get("primaryQuote"):
        for sibling in siblings:
            sibling["primaryQuote"] = False
    return []


def _day(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _quote_item(write: Write) -> list[str]:
    record = write.record
    errors = _one_item(record) + _discounts(record)
    if errors:
        return errors
    field = pick.ITEM_FIELD_OF_TYPE[record["quoteItemType"]]
    source, errors = _item_source(write.records, field, record[field])
    if errors:
        return errors
    errors = _period(record, source)
    for name in ("name", "unitPrice", "unitCost"):
        if record.get(name) is None:
            record[name] = source.get(name)
    return errors


def _one_item(record: dict[str, Any]) -> list[str]:
    given = [name for name in pick.ITEM_FIELD_OF_TYPE.values() if record.get(name) is not None]
    if len(given) != 1:
        names = ", ".join(pick.ITEM_FIELD_OF_TYPE.values())
        found = ", ".join(given) or "none"
        return [f"A quote item needs exactly one of {names} (found: {found})"]
    wanted = pick.ITEM_FIELD_OF_TYPE[record["quoteItemType"]]
    if given[0] != wanted:
        label = dict(pick.QUOTE_ITEM_TYPES)[record["quoteItemType"]]
        return [f"quoteItemType {record['quoteItemType']} ({label}) needs {wanted}, not {given[0]}"]
    return []


def _discounts(record: dict[str, Any]) -> list[str]:
    amounts = {name: record.get(name) or 0 for name in _DISCOUNTS}
    errors = [f"{name}: must not be negative" for name, value in amounts.items() if value < 0]
    above = [name for name, value in amounts.items() if value > 0]
    if len(above) > 1:
        errors.append(
            "A quote item can have only one discount: at most one of unitDiscount,"
            f" lineDiscount and percentageDiscount above 0 (found: {', '.join(above)})"
        )
    if amounts["percentageDiscount"] > 100:
        errors.append("percentageDiscount: must not be above 100")
    return errors


def _item_source(records: Records, field: str, item_id: int) -> tuple[dict[str, Any], list[str]]:
    """The record a quote item's one item field names: catalog entry, billing code, shipping."""
    if field == "shippingID":
        label = dict(pick.SHIPPING_TYPES).get(item_id)
        error = [f"shippingID: {item_id} is not a shipping type"] if label is None else []
        return {"name": label}, error
    entity = _CATALOG.get(field, "BillingCodes")
    source = records.find(entity, item_id) or {}
    return source, _use_type(field, source)


def _use_type(field: str, billing_code: dict[str, Any]) -> list[str]:
    wanted = _USE_TYPES.get(field)
    if wanted is None or billing_code.get("useType") == wanted:
        return []
    label = dict(pick.BILLING_CODE_USE_TYPES)[wanted]
    return [f"{field}: billing code {billing_code.get('id')} is not of use type {label}"]


def _period(record: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Labor is one-time (AT-5); services recur; only a recurring product recurs (AT-6)."""
    kind, period = record["quoteItemType"], record.get("periodType")
    own = source.get("periodType") or pick.ONE_TIME
    if kind not in (pick.PRODUCT, pick.SERVICE, pick.SERVICE_BUNDLE):
        own = pick.ONE_TIME
    if period is None:
        record["periodType"] = own
    elif kind in (pick.SERVICE, pick.SERVICE_BUNDLE) and period == pick.ONE_TIME:
        return ["periodType: a service or bundle recurs; it cannot be quoted one-time"]
    elif kind == pick.PRODUCT and period != pick.ONE_TIME and own == pick.ONE_TIME:
        return [
            f"periodType: product {source.get('id')} is one-time; it cannot be quoted recurring"
        ]
    elif kind == pick.LABOR and period != pick.ONE_TIME:
        return ["periodType: labor quote items are one-time (periodType 1)"]
    return []


def _billing_code_of(field: str) -> Callable[[Write], list[str]]:
    def check(write: Write) -> list[str]:
        code = write.records.find("BillingCodes", write.record.get(field)) or {}
        return _use_type(field, code)

    return check


def _attachment(write: Write) -> list[str]:
    record = write.record
    record["parentID"] = record.get("opportunityID")
    data = record.get("data")
    if record["attachmentType"] != "FILE_ATTACHMENT":
        if data:
            return ["data: only a FILE_ATTACHMENT carries data"]
        if record["attachmentType"] == "URL" and not str(record["fullPath"]).startswith(
            ("http://", "https://")
        ):
            return ["fullPath: a URL attachment needs an http or https address"]
        return []
    try:
        content = base64.b64decode(str(data or ""), validate=True)
    except (binascii.Error, ValueError):
        return ["data: is not valid base64"]
    if not content:
        return ["data: a FILE_ATTACHMENT needs the file's content, base64-encoded"]
    record["fileSize"] = len(content)
    guessed, _ = mimetypes.guess_type(str(record["fullPath"]))
    record["contentType"] = guessed or "application/octet-stream"
    return []


_ENTITY_RULES: dict[str, Callable[[Write], list[str]]] = {
    "Opportunities": _opportunity,
    "Quotes": _quote,
    "QuoteItems": _quote_item,
    "OpportunityAttachments": _attachment,
    "Products": _billing_code_of("productBillingCodeID"),
    "Services": _billing_code_of("billingCodeID"),
    "ServiceBundles": _billing_code_of("billingCodeID"),
}


def referrers(entity: str, item_id: int, records: Records) -> list[str]:
    """Which records point at ``entity``'s ``item_id`` (Autotask will not delete those)."""
    return [
        f"{rules.singular} {row['id']}"
        for name, rules in RULES.items()
        for row in records.rows(name)
        for spec in rules.fields.values()
        if spec.reference == entity and row.get(spec.name) == item_id
    ]
