"""HTTP shapes of PSA searches: opportunities, contacts and items (QUO-5, CAT-2)."""

from __future__ import annotations

from datetime import date

from application.quotes.ports import PsaContact, PsaItem, PsaOpportunity
from domain.catalog.item import ItemKind, Period
from entrypoints.http.schemas.catalog import SourceBody
from entrypoints.http.schemas.common import Output, decimal_text


class PsaOpportunityOut(Output, frozen=True):
    external_id: str
    title: str
    company_ref: str | None
    company_name: str | None
    contact_ref: str | None
    amount: str | None
    status: str | None
    stage: str | None
    close_date: date | None
    quote_url: str | None

    @classmethod
    def of(cls, o: PsaOpportunity) -> PsaOpportunityOut:
        return cls(
            external_id=o.external_id, title=o.title, company_ref=o.company_ref,
            company_name=o.company_name, contact_ref=o.contact_ref, amount=decimal_text(o.amount),
            status=o.status, stage=o.stage, close_date=o.close_date, quote_url=o.quote_url,
        )  # fmt: skip


class PsaContactOut(Output, frozen=True):
    external_id: str
    name: str
    company_ref: str | None
    company_name: str | None
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, c: PsaContact) -> PsaContactOut:
        return cls(
            external_id=c.external_id, name=c.name, company_ref=c.company_ref,
            company_name=c.company_name, email=c.email, phone=c.phone,
        )  # fmt: skip


class PsaItemOut(Output, frozen=True):
    """A PSA item; ``source`` goes back in a line's body to add it to a quote (CAT-2)."""

    source: SourceBody
    kind: ItemKind
    name: str
    sku: str | None
    mpn: str | None
    description: str | None
    unit_price: str | None
    unit_cost: str | None
    period: Period | None
    category: str | None
    subcategory: str | None

    @classmethod
    def of(cls, system: str, i: PsaItem) -> PsaItemOut:
        return cls(
            source=SourceBody(system=system, kind=i.source_kind, external_id=i.external_id),
            kind=i.kind, name=i.name, sku=i.sku, mpn=i.mpn, description=i.description,
            unit_price=decimal_text(i.unit_price), unit_cost=decimal_text(i.unit_cost),
            period=i.period,
            category=i.category, subcategory=i.subcategory,
        )  # fmt: skip
