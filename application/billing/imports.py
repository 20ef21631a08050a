"""PSA invoices pulled into the hub (PAY-12), and voided with the PSA (PAY-3).

An invoice arrives with its organization already pulled (the runner pulls organizations first);
it is created open and unnumbered: the accounting system numbers it (PAY-1) after the policy
pushes it there. A PSA invoice voided later voids the hub's, moving its payments' money to
unapplied exactly as a void in the hub does.
"""

from __future__ import annotations

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
    expect,
    mirror_applier,
)
from application.integrations.records import PulledInvoice, PulledRecord
from application.shared.errors import NotFound
from domain.billing.invoice import Invoice, InvoiceDetails, InvoiceId, InvoiceStatus
from domain.billing.ledger import void_invoice
from domain.crm.records import RecordKind
from domain.shared.money import Money


async def apply_invoice(context: PullContext, pulled: PulledRecord) -> None:
    record = expect(pulled, PulledInvoice)
    external_id = record.external_id
    invoice_id = InvoiceId(await context.hub_id(INVOICE, external_id))
    uow, now = context.uow, context.now
    organization = await context.organization(record)
    currency = organization.currency or (await uow.tenants.get()).currency
    if currency is None:
        raise Skipped("neither its organization nor the tenant has a currency (MON-3)")
    details = InvoiceDetails(
        psa_number=record.psa_number or external_id,
        organization_id=organization.id,
        total=Money(record.total, currency),
        invoice_date=record.invoice_date,
        due_date=record.due_date,
        description=record.description,
    )
    voided = record.voided
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
