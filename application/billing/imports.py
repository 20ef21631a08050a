"""PSA invoices pulled into the hub (PAY-12), and voided with the PSA (PAY-3).

An invoice arrives with its organization already pulled (the runner pulls organizations first);
it is created open and unnumbered: the accounting system numbers it (PAY-1) after the policy
pushes it there. A PSA invoice voided later voids the hub's, moving its payments' money to
unapplied exactly as a void in the hub does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from application.integrations.appliers import (
    CONTACT,
    CONTRACT,
    INVOICE,
    ORGANIZATION,
    TICKET,
    PullContext,
    RecordApplier,
    Skipped,
    apply_contact,
    apply_organization,
    mirror_applier,
)
from application.shared.errors import NotFound
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.ledger import void_invoice
from domain.crm.records import RecordKind
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.numbers import exact_decimal


def _date(value: object, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Skipped(f"its {name} {value!r} is not a date") from None


def _total(value: object) -> Decimal:
    try:
        return exact_decimal(value, "total", from_json=True)
    except InvalidValue:
        raise Skipped(f"its total {value!r} is not a number") from None


async def apply_invoice(context: PullContext, record: Mapping[str, Any]) -> None:
    external_id = str(record["external_id"])
    invoice_id = InvoiceId(await context.hub_id(INVOICE, external_id))
    uow, now = context.uow, context.now
    organization = await context.organization(record)
    currency = organization.currency or (await uow.tenants.get()).currency
    if currency is None:
        raise Skipped("neither its organization nor the tenant has a currency (MON-3)")
    invoice_date = _date(record.get("invoice_date"), "invoice date")
    if invoice_date is None:
        raise Skipped("it has no invoice date")
    details = InvoiceDetails(
        psa_number=str(record.get("psa_number") or external_id),
        organization_id=organization.id,
        total=Money(_total(record.get("total")), currency),
        invoice_date=invoice_date,
        due_date=_date(record.get("due_date"), "due date"),
        description=str(record.get("description") or ""),
    )
    voided = bool(record.get("voided"))
    actor = f"psa:{context.connection_id}"
    try:
        invoice = await uow.invoices.get(invoice_id, lock=True)
    except NotFound:
        clash = await uow.invoices.by_psa_number(details.psa_number)
        if clash is not None:
            raise Skipped(f"another invoice already has the number {details.psa_number}") from None
        invoice = Invoice(id=invoice_id, tenant_id=context.tenant_id, details=details, now=now)
        await uow.invoices.add(invoice)
        if voided:
            invoice.void(now)
        context.link(INVOICE, invoice_id, external_id)
        return
    if invoice.status is InvoiceStatus.VOID:
        return  # a void invoice stays void; the PSA cannot reopen one either
    if voided:
        payments = await uow.payments.on_invoice(invoice.id, lock=True)
        void_invoice(invoice, payments, actor, now, by_psa=True)  # PAY-3, PAY-7
        return
    invoice.revise(details, now)


def pull_appliers() -> dict[str, RecordApplier]:
    """Every entity a PSA pull may bring, and what the hub does with each (PAY-12)."""
    return {
        ORGANIZATION: apply_organization,
        CONTACT: apply_contact,
        CONTRACT: mirror_applier(RecordKind.CONTRACT),
        TICKET: mirror_applier(RecordKind.TICKET),
        INVOICE: apply_invoice,
    }
