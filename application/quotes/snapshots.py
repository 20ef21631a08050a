"""Builds the snapshot of a quote that the PDF prints and the PSA adapters push."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from application.identity.branding import branding_of
from application.quotes.snapshot import (
    QuoteSnapshot,
    SnapshotLine,
    SnapshotParty,
    SnapshotRecurring,
)
from application.shared.unit_of_work import UnitOfWork
from domain.crm.contact import Contact
from domain.crm.organization import Organization
from domain.identity.branding import Branding, Logo
from domain.quotes.quote import DiscountKind, LineTotals, Quote, QuoteLine


def _address(organization: Organization) -> tuple[str, ...]:
    a = organization.billing_address
    city = " ".join(part for part in (a.city, a.state, a.postal_code) if part)
    return tuple(part for part in (a.line1, a.line2, city, a.country) if part)


def _percent(discount_kind: DiscountKind | None, value: Decimal | None) -> Decimal | None:
    return value if discount_kind is DiscountKind.PERCENT else None


def _line(line: QuoteLine, money: LineTotals) -> SnapshotLine:
    d = line.details
    cost = d.unit_cost.amount if d.unit_cost is not None else None
    discount = d.discount
    return SnapshotLine(
        id=line.id,
        position=line.position,
        name=d.name,
        kind=d.kind,
        quantity=d.quantity,
        unit_price=d.unit_price.amount,
        unit_cost=cost,
        period=d.period,
        taxable=d.taxable,
        tax_code=d.tax_code,
        tax_rate=d.tax_rate,
        discount_percent=_percent(
            discount.kind if discount else None, discount.value if discount else None
        ),
        discount_amount=line.discount_amount.amount,
        gross=line.gross.amount,
        net=line.net.amount,
        quote_discount_share=money.quote_discount_share.amount,
        tax=money.tax.amount,
        item_id=d.item_id,
        source=d.source,
        sku=d.sku,
        mpn=d.mpn,
        description=d.description,
        category=d.category,
        subcategory=d.subcategory,
        labor=d.labor,
        kaseya_item_type=d.kaseya_item_type,
    )


def snapshot_of(
    quote: Quote,
    organization: Organization,
    contact: Contact | None,
    *,
    today: date,
    tenant_name: str,
    branding: Branding | None = None,
    logo: Logo | None = None,
) -> QuoteSnapshot:
    totals = quote.totals()
    by_line = {t.line_id: t for t in totals.lines}
    header = quote.header
    discount = quote.discount
    contact_party = None
    if contact is not None:
        contact_party = SnapshotParty(
            id=contact.id,
            name=contact.full_name,
            email=contact.email,
            phone=contact.phone,
            first_name=contact.first_name,
            last_name=contact.last_name,
        )
    return QuoteSnapshot(
        id=quote.id,
        tenant_id=quote.tenant_id,
        number=quote.number,
        title=header.title,
        status=quote.status_on(today).value,
        revision=quote.revision,
        currency=header.currency.value,
        issued_on=today,
        expires_on=header.expires_on,
        organization=SnapshotParty(
            id=organization.id,
            name=organization.name,
            phone=organization.phone,
            address=_address(organization),
        ),
        contact=contact_party,
        owner=SnapshotParty(id=None, name=header.owner_name, email=header.owner_email),
        lines=tuple(_line(line, by_line[line.id]) for line in quote.lines),
        quote_discount_percent=_percent(
            discount.kind if discount else None, discount.value if discount else None
        ),
        quote_discount=totals.quote_discount.amount,
        one_time_subtotal=totals.one_time_subtotal.amount,
        one_time_tax=totals.one_time_tax.amount,
        one_time_total=totals.one_time_total.amount,
        recurring=tuple(
            SnapshotRecurring(
                period=period, subtotal=r.subtotal.amount, tax=r.tax.amount, total=r.total.amount
            )
            for period, r in totals.recurring.items()
        ),
        line_discounts=totals.line_discounts.amount,
        tax_total=totals.tax_total.amount,
        grand_total=totals.grand_total.amount,
        cost_total=totals.cost_total.amount,
        margin=totals.margin.amount,
        value=totals.value.amount,
        notes=header.notes,
        opportunity_ref=header.opportunity_ref,
        tenant_name=tenant_name,
        branding=branding,
        logo=logo,
    )


async def load_snapshot(uow: UnitOfWork, quote: Quote, today: date) -> QuoteSnapshot:
    organization = await uow.organizations.get(quote.header.organization_id)
    contact = None
    if quote.header.contact_id is not None:
        contact = await uow.contacts.get(quote.header.contact_id)
    branding = await branding_of(uow)
    return snapshot_of(
        quote,
        organization,
        contact,
        today=today,
        tenant_name=branding.name,
        branding=branding,
        logo=await uow.branding.logo(),
    )
