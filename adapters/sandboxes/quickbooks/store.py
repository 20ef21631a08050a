"""The QBO sandbox's company: customers, invoices, payments and items, kept as QBO keeps them.

QBO's rules the hub depends on live here: unique DisplayNames (6240), QuickBooks' own invoice
numbers (and 6140 for a repeated one), SyncToken versions (5010), payments applied up to the
balance with the rest unapplied, and ``requestid`` replays answered with the first answer.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.sandboxes.quickbooks.auth import SandboxTokens
from adapters.sandboxes.quickbooks.company import PROFILES, CompanyProfile
from adapters.sandboxes.quickbooks.money import MoneyRules
from adapters.sandboxes.quickbooks.query import field_value, parse
from adapters.sandboxes.quickbooks.records import (
    CENT,
    RecordRules,
    first_note_line,
    numeric_id,
)
from adapters.sandboxes.quickbooks.schema import SandboxFault, business, not_found
from adapters.vendors.quickbooks.contract import STALE_OBJECT

_UPDATABLE = {
    "Customer": {"DisplayName", "CompanyName", "GivenName", "FamilyName", "Notes", "Active"},
    "Invoice": {"PrivateNote", "DueDate", "TxnDate", "CustomerMemo", "BillEmail"},
    "Payment": {"PrivateNote", "PaymentRefNum", "Line", "TotalAmt"},
    "RefundReceipt": {"PrivateNote"},
    "Item": {"Name", "Description", "Active", "UnitPrice", "Taxable"},
}
_RELINKS = {"Line", "TotalAmt"}  # a payment update that moves its money
# ``?operation=`` (and ``include=``) → the entity it voids: QBO's two spellings of a void.
VOIDS = {("void", ""): "Invoice", ("update", "void"): "Payment"}


def _now() -> datetime:
    return datetime.now(UTC)


class QuickBooksStore:
    """One QuickBooks Online company in memory; every method is safe across threads."""

    def __init__(
        self,
        tokens: SandboxTokens,
        *,
        company: CompanyProfile = PROFILES["us"],
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.tokens = tokens
        self.company = company
        self.home_currency = company.home_currency
        self.company_name = company.name
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rules = RecordRules(self.company, self._clock)
            self._money = MoneyRules(self._rules)
            self._replies: dict[tuple[str, str], dict[str, Any]] = {}
            self._replays = 0
            self._refusals: Counter[str] = Counter()
            self._meddle: set[tuple[str, str]] = set()
        self.tokens.reset()

    def now(self) -> str:
        return self._rules.timestamp()

    # --- the API ------------------------------------------------------------------------------

    def write(
        self, entity: str, values: Mapping[str, Any], request_id: str | None
    ) -> dict[str, Any]:
        """Create, or update when ``Id`` is given; a known ``requestid`` gets its first answer."""
        with self._lock:
            key = (entity, request_id or "")
            if request_id and key in self._replies:
                self._replays += 1
                return copy.deepcopy(self._replies[key])
            if "Id" in values:
                record = self._update(entity, values)
            else:
                record = self._rules.create(entity, values)
            answer = copy.deepcopy(record)
            if request_id:
                self._replies[key] = copy.deepcopy(answer)
            return answer

    def void(
        self, entity: str, values: Mapping[str, Any], request_id: str | None
    ) -> dict[str, Any]:
        """``?operation=void`` (an invoice) or ``?operation=update&include=void`` (a payment)."""
        with self._lock:
            key = (f"void-{entity}", request_id or "")
            if request_id and key in self._replies:
                self._replays += 1
                return copy.deepcopy(self._replies[key])
            record = self._current(entity, values)
            if entity == "Invoice":
                self._money.void_invoice(record)
            else:
                self._money.void_payment(record)
            answer = copy.deepcopy(record)
            if request_id:
                self._replies[key] = copy.deepcopy(answer)
            return answer

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._rules.get(entity, entity_id))

    def query(self, statement: str) -> dict[str, Any]:
        """A QueryResponse; empty ones carry nothing, as QBO's do."""
        query = parse(statement)
        with self._lock:
            records = self._rules.records[query.entity].values()
            found = [r for r in sorted(records, key=numeric_id) if query.matches(r)]
            if query.count:
                return {"totalCount": len(found)}
            page = copy.deepcopy(found[query.start - 1 : query.start - 1 + query.max_results])
        if not page:
            return {}
        return {query.entity: page, "startPosition": query.start, "maxResults": len(page)}

    def company_info(self) -> dict[str, Any]:
        return {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CompanyName": self.company_name,
            "LegalName": self.company_name,
            "Country": self.company.country,
            "SupportedLanguages": "en",
            "CompanyStartDate": "2024-01-01",
        }

    def preferences(self) -> dict[str, Any]:
        """What the hub reads of the company's preferences: its currencies and sales tax."""
        return {
            "Id": "1",
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "CurrencyPrefs": {
                "MultiCurrencyEnabled": self.company.multicurrency,
                "HomeCurrency": {"value": self.home_currency},
            },
            "TaxPrefs": {
                "UsingSalesTax": True,
                "PartnerTaxEnabled": self.company.requires_tax_code,
            },
        }

    def refused(self, fault: SandboxFault) -> None:
        with self._lock:
            self._refusals[fault.code] += 1

    # --- knobs for tests and demos -------------------------------------------------------------

    def pay_in_quickbooks(self, invoice_id: str, amount: Decimal) -> dict[str, Any]:
        """A payment a bookkeeper entered in QuickBooks itself, against one invoice."""
        with self._lock:
            invoice = self._rules.get("Invoice", invoice_id)
            values = {
                "CustomerRef": dict(invoice["CustomerRef"]),
                "TotalAmt": amount.quantize(CENT),
                "Line": [
                    {"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
                ],
            }
            return copy.deepcopy(self._rules.create("Payment", values))

    def deactivate_customer(self, customer_id: str) -> dict[str, Any]:
        with self._lock:
            customer = self._rules.get("Customer", customer_id)
            customer["Active"] = False
            self._rules.touch(customer)
            return copy.deepcopy(customer)

    def meddle_before_next_update(self, entity: str, entity_id: str) -> None:
        """Someone saves this record in QuickBooks just before the next API update of it."""
        with self._lock:
            self._meddle.add((entity, entity_id))

    def add_vendor(self, name: str) -> None:
        """A vendor holding ``name``: QBO keeps DisplayNames unique across customers and vendors."""
        with self._lock:
            self._rules.other_names.add(name.strip().casefold())

    def forget_request_ids(self) -> None:
        """QBO keeps request ids for a while only: replays after that are new requests."""
        with self._lock:
            self._replies.clear()

    def snapshot(self) -> dict[str, Any]:
        """Records, counts, duplicates (by name, PSA number, hub payment), replays, refusals."""
        with self._lock:
            records = {
                e: sorted(t.values(), key=numeric_id) for e, t in self._rules.records.items()
            }
            state = {
                "customers": copy.deepcopy(records["Customer"]),
                "invoices": copy.deepcopy(records["Invoice"]),
                "payments": copy.deepcopy(records["Payment"]),
                "refund_receipts": copy.deepcopy(records["RefundReceipt"]),
                "items": copy.deepcopy(records["Item"]),
                "counts": {entity: len(found) for entity, found in records.items()},
                "duplicates": {
                    "Customer": _duplicates(records["Customer"], _casefolded_name),
                    "Invoice": _duplicates(records["Invoice"], first_note_line),
                    "Payment": _duplicates(records["Payment"], first_note_line),
                },
                "replays": self._replays,
                "refusals": dict(self._refusals),
            }
        return {**state, "tokens": self.tokens.snapshot()}

    def _current(self, entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """The record ``values`` names, if ``SyncToken`` is still its version (else 5010)."""
        entity_id = str(values.get("Id"))
        record = self._rules.records[entity].get(entity_id)
        if record is None:
            raise not_found(entity, entity_id)
        if (entity, entity_id) in self._meddle:
            self._meddle.discard((entity, entity_id))
            self._rules.touch(record)
        if values.get("SyncToken") != record["SyncToken"]:
            raise SandboxFault(
                "Stale Object Error",
                "Stale Object Error : You and sandbox@q2c.local were working on this at the "
                "same time. sandbox@q2c.local finished before you did, so your work was not saved.",
                STALE_OBJECT,
            )
        return record

    def _update(self, entity: str, values: Mapping[str, Any]) -> dict[str, Any]:
        record = self._current(entity, values)
        if values.get("sparse") is not True:
            raise business('this sandbox takes sparse updates only ("sparse": true)')
        changes = {k: v for k, v in values.items() if k not in ("Id", "SyncToken", "sparse")}
        refused = sorted(set(changes) - _UPDATABLE[entity])
        if refused:
            raise business(f"this sandbox does not update {entity} {', '.join(refused)}")
        if entity == "Payment" and _RELINKS & set(changes):
            self._money.relink(record, changes)
            return record
        self._rules.change(entity, record, changes)
        return record


def _casefolded_name(record: Mapping[str, Any]) -> str | None:
    name = field_value(record, "DisplayName")
    return name.casefold() if isinstance(name, str) else None


def _duplicates(
    records: list[dict[str, Any]], key: Callable[[Mapping[str, Any]], str | None]
) -> dict[str, list[str]]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for record in records:
        found = key(record)
        if found:
            by_key[found].append(record["Id"])
    return {k: ids for k, ids in by_key.items() if len(ids) > 1}
