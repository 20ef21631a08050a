"""Quotes pushed to ConnectWise as opportunities (CW-4, CW-7, QUO-3..6, CAT-2): ``PsaQuoting``.

A publish finds or makes, in order: the company, contact and owner (``parties.py``), the
opportunity, a catalog item per line (``products.py``), the product items and the PDF
document. Each step is idempotent and crash-safe (QUO-6):

- opportunity: the one picked with the selector, else the linked one, else the company's
  opportunity of the quote's name (a create whose answer was lost), else a new one with the
  new-quote defaults. A republish writes its name and close date only when they changed
  (remembered under a link keyed by their digest), never stage or status;
- product items: the opportunity's items read once, then only changed lines written (the
  hub's items carry ``integrationXRef`` ``q2c:<line id>``; a person's own are left alone);
- the PDF: uploaded as a multipart document, then every other document of the same title on
  the opportunity deleted, so exactly one remains whichever step a crash interrupted; the same
  PDF again (its digest linked) uploads nothing.

ConnectWise has no separate quote record: ``quote_ref`` is the opportunity's id.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from adapters.vendors.connectwise import lookups
from adapters.vendors.connectwise.client import ConnectWiseClient, ConnectWiseClients
from adapters.vendors.connectwise.contract import linked_id, quoted, shared_link
from adapters.vendors.connectwise.quoting.parties import Parties
from adapters.vendors.connectwise.quoting.products import CATALOG, catalog_items
from adapters.vendors.connectwise.settings import (
    ConnectWiseSettings,
    SettingRefused,
    read_settings,
)
from adapters.vendors.connectwise.translate.quotes import (
    OpportunityIds,
    opportunity_body,
    opportunity_name,
    opportunity_update,
    plan_items,
    product_item_body,
)
from adapters.vendors.kit.exchange import counting_calls
from application.integrations.ports import ConnectionConfig, ExternalLinks, VendorRejected
from application.quotes.ports import (
    OpportunitySearch,
    Outcome,
    Problem,
    PsaContact,
    PsaItem,
    PsaOpportunity,
    PublishResult,
)
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import ItemKind

OPPORTUNITIES, PRODUCTS, DOCUMENTS = (
    "sales/opportunities",
    "procurement/products",
    "system/documents",
)
QUOTE_OPPORTUNITY = "quote_opportunity"  # ExternalLinks: hub quote → opportunity
OPPORTUNITY_FIELDS = "opportunity_fields"  # hub quote + digest of its name and date → written
QUOTE_PDF = "quote_pdf"  # hub quote + PDF digest → document
_KEYS = uuid.UUID("0c6f3f0e-8a1d-4f55-9d7b-3c2a1e5f7b21")


def _keyed(quote_id: uuid.UUID, *parts: str) -> uuid.UUID:
    return uuid.uuid5(_KEYS, "|".join([str(quote_id), *parts]))


def pdf_title(quote: QuoteSnapshot) -> str:
    return f"Quote {quote.number}.pdf"


class ConnectWiseQuoting:
    """``application.quotes.ports.PsaQuoting`` over the ConnectWise REST API."""

    def __init__(self, clients: ConnectWiseClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    def check(self, quote: QuoteSnapshot, connection: ConnectionConfig) -> Sequence[Problem]:
        problems = []
        if quote.contact is None:
            problems.append(
                Problem("CW-4", "contact", "ConnectWise needs a contact on every opportunity")
            )
        try:
            read_settings(connection.settings).opportunities  # noqa: B018 - read to check
        except SettingRefused as exc:
            problems.append(Problem(exc.rule, exc.key, exc.message))
        return problems

    async def publish(
        self, quote: QuoteSnapshot, pdf: bytes, connection: ConnectionConfig
    ) -> PublishResult:
        settings = read_settings(connection.settings)
        with counting_calls() as count:
            client = await self._clients.client(connection)
            parties = Parties(client, self._links, settings)
            opportunity_id = await self._opportunity(client, parties, quote, settings)
            await self._items(client, settings, quote, opportunity_id)
            document = await self._document(client, quote, pdf, opportunity_id)
        return PublishResult(
            opportunity_ref=str(opportunity_id),
            quote_ref=str(opportunity_id),
            attachment_ref=str(document),
            calls=count.calls,
        )

    async def _opportunity(
        self,
        client: ConnectWiseClient,
        parties: Parties,
        quote: QuoteSnapshot,
        settings: ConnectWiseSettings,
    ) -> int:
        connection_id = client.connection.connection_id
        linked = await self._links.find(connection_id, QUOTE_OPPORTUNITY, quote.id)
        chosen = quote.opportunity_ref or (linked_id(linked) if linked else None)
        if chosen is not None:
            opportunity_id = int(chosen)
            await self._refresh(client, quote, opportunity_id)
        else:
            company = await parties.company(quote)
            found = await _find_opportunity(client, company, opportunity_name(quote))
            if found is not None:
                opportunity_id = found
                await self._refresh(client, quote, opportunity_id)
            else:
                ids = await _ids(client, parties, quote, settings, company)
                made = await client.create(OPPORTUNITIES, opportunity_body(quote, ids))
                opportunity_id = int(made["id"])
                await self._remember_fields(client, quote, opportunity_id)
        if linked is None:
            marked = shared_link(str(opportunity_id), quote.id)
            await self._links.link(connection_id, QUOTE_OPPORTUNITY, quote.id, marked)
        return opportunity_id

    async def _refresh(self, client: ConnectWiseClient, quote: QuoteSnapshot, opp: int) -> None:
        """The name and close date written when they changed since the hub last wrote them."""
        key = _keyed(quote.id, "fields", str(opp), opportunity_name(quote), str(quote.expires_on))
        if await self._links.find(client.connection.connection_id, OPPORTUNITY_FIELDS, key):
            return
        await client.patch(OPPORTUNITIES, opp, opportunity_update(quote))
        await self._remember_fields(client, quote, opp)

    async def _remember_fields(
        self, client: ConnectWiseClient, quote: QuoteSnapshot, opp: int
    ) -> None:
        key = _keyed(quote.id, "fields", str(opp), opportunity_name(quote), str(quote.expires_on))
        marked = shared_link(str(opp), key)
        await self._links.link(client.connection.connection_id, OPPORTUNITY_FIELDS, key, marked)

    async def _items(
        self,
        client: ConnectWiseClient,
        settings: ConnectWiseSettings,
        quote: QuoteSnapshot,
        opportunity_id: int,
    ) -> None:
        items = await catalog_items(client, self._links, settings, quote.lines)
        wanted = [product_item_body(line, items[line.id], opportunity_id) for line in quote.lines]
        existing = await client.all(PRODUCTS, conditions=f"opportunity/id={opportunity_id}")
        plan = plan_items(wanted, existing)
        for body in plan.create:
            await client.create(PRODUCTS, body)
        for item_id, ops in plan.update:
            await client.patch(PRODUCTS, item_id, ops)
        for item_id in plan.delete:
            await client.delete(PRODUCTS, item_id)

    async def _document(
        self, client: ConnectWiseClient, quote: QuoteSnapshot, pdf: bytes, opportunity_id: int
    ) -> int:
        connection_id = client.connection.connection_id
        digest = hashlib.sha256(pdf).hexdigest()
        key = _keyed(quote.id, "pdf", str(opportunity_id), digest)
        title = pdf_title(quote)
        documents = await client.all(
            DOCUMENTS, extra={"recordType": "Opportunity", "recordId": str(opportunity_id)}
        )
        same_title = [d for d in documents if d.get("title") == title]
        linked = await self._links.find(connection_id, QUOTE_PDF, key)
        if linked is not None and [d["id"] for d in same_title] == [int(linked)]:
            return int(linked)  # this PDF, and only it, is there already
        if linked is not None and any(d["id"] == int(linked) for d in same_title):
            document = int(linked)
        else:
            fields = {
                "recordType": "Opportunity",
                "recordId": str(opportunity_id),
                "title": title,
                "privateFlag": "false",
            }
            made = await client.upload(fields, title, pdf, "application/pdf")
            document = int(made["id"])
            await self._links.link(connection_id, QUOTE_PDF, key, str(document))
        for old in same_title:
            if old["id"] != document:
                await client.delete(DOCUMENTS, int(old["id"]))
        return document

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, connection: ConnectionConfig
    ) -> None:
        """Won or lost: the status, and the stage when mapped, from the settings (QUO-4)."""
        settings = read_settings(connection.settings).opportunities
        mapped = settings.won if outcome is Outcome.WON else settings.lost
        client = await self._clients.client(connection)
        stored = await self._links.find(connection.connection_id, QUOTE_OPPORTUNITY, quote.id)
        linked = quote.opportunity_ref or (str(linked_id(stored)) if stored else None)
        if linked is None:
            raise VendorRejected(f"the quote {quote.number} has no ConnectWise opportunity yet")
        key = "won_quote" if outcome is Outcome.WON else "lost_quote"
        status = await lookups.resolve(client, "opportunity_statuses", mapped.status, key)
        ops: list[dict[str, Any]] = [{"op": "replace", "path": "status", "value": {"id": status}}]
        if mapped.stage is not None:
            stage = await lookups.resolve(client, "opportunity_stages", mapped.stage, key)
            ops.append({"op": "replace", "path": "stage", "value": {"id": stage}})
        await client.patch(OPPORTUNITIES, int(linked), ops)

    async def search_opportunities(
        self, search: OpportunitySearch, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        """The selector (QUO-5): opportunities by name, of a company when one is given."""
        parts = []
        if search.text:
            parts.append(f"name contains {quoted(search.text)}")
        if search.company_ref:
            parts.append(f"company/id={int(search.company_ref)}")
        client = await self._clients.client(connection)
        page = await client.first_page(
            OPPORTUNITIES,
            conditions=" and ".join(parts) or None,
            order_by="id desc",
            page_size=search.limit,
        )
        return [_opportunity(o) for o in page.items]

    async def search_contacts(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaContact]:
        client = await self._clients.client(connection)
        needle = quoted(text)
        page = await client.first_page(
            "company/contacts",
            conditions=f"firstName contains {needle} or lastName contains {needle}",
            page_size=limit,
        )
        return [_contact(c) for c in page.items]

    async def search_items(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaItem]:
        """The product cloud (CAT-2): active catalog items by identifier, description, MPN."""
        client = await self._clients.client(connection)
        needle = quoted(text)
        page = await client.first_page(
            CATALOG,
            conditions=f"(identifier contains {needle} or description contains {needle} "
            f"or manufacturerPartNumber contains {needle}) and inactiveFlag=false",
            page_size=limit,
        )
        return [_item(i) for i in page.items]

    async def open_opportunities(
        self, company_ref: str, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        client = await self._clients.client(connection)
        statuses = await client.lookup("sales/opportunities/statuses")
        closed = {int(s["id"]) for s in statuses if s.get("closedFlag")}
        found = await client.all(OPPORTUNITIES, conditions=f"company/id={int(company_ref)}")
        return [_opportunity(o) for o in found if (o.get("status") or {}).get("id") not in closed]


async def _find_opportunity(client: ConnectWiseClient, company: int, name: str) -> int | None:
    page = await client.first_page(
        OPPORTUNITIES,
        conditions=f"company/id={company} and name={quoted(name)}",
        order_by="id asc",
        page_size=10,
    )
    found = [o for o in page.items if o.get("name") == name]
    return int(found[0]["id"]) if found else None


async def _ids(
    client: ConnectWiseClient,
    parties: Parties,
    quote: QuoteSnapshot,
    settings: ConnectWiseSettings,
    company: int,
) -> OpportunityIds:
    chosen = settings.opportunities
    resolve = lookups.resolve
    return OpportunityIds(
        company=company,
        contact=await parties.contact(quote, company),
        owner=await parties.owner(quote),
        stage=await resolve(client, "opportunity_stages", chosen.stage, "new_quote.stage"),
        status=await resolve(client, "opportunity_statuses", chosen.status, "new_quote.status"),
        type=await resolve(client, "opportunity_types", chosen.type, "new_quote.type"),
        probability=await resolve(
            client, "probabilities", chosen.probability, "new_quote.probability"
        ),
        location=await resolve(client, "locations", chosen.location, "new_quote.location"),
        department=await resolve(client, "departments", chosen.department, "new_quote.department"),
    )


def _name(ref: object) -> str | None:
    return str(ref.get("name")) if isinstance(ref, dict) and ref.get("name") else None


def _opportunity(record: dict[str, Any]) -> PsaOpportunity:
    company = record.get("company") or {}
    close = str(record.get("expectedCloseDate") or "")[:10]
    return PsaOpportunity(
        external_id=str(record["id"]),
        title=str(record.get("name") or ""),
        company_ref=str(company["id"]) if company.get("id") else None,
        company_name=_name(company),
        contact_ref=str((record.get("contact") or {}).get("id") or "") or None,
        status=_name(record.get("status")),
        stage=_name(record.get("stage")),
        close_date=date.fromisoformat(close) if close else None,
    )


def _contact(record: dict[str, Any]) -> PsaContact:
    company = record.get("company") or {}
    items = {
        str(i.get("communicationType")): i.get("value")
        for i in record.get("communicationItems") or ()
    }
    return PsaContact(
        external_id=str(record["id"]),
        name=f"{record.get('firstName') or ''} {record.get('lastName') or ''}".strip(),
        company_ref=str(company["id"]) if company.get("id") else None,
        company_name=_name(company),
        email=items.get("Email"),
        phone=items.get("Phone"),
    )


def _item(record: dict[str, Any]) -> PsaItem:
    def money(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return PsaItem(
        external_id=str(record["id"]),
        kind=ItemKind.SERVICE if record.get("productClass") == "Service" else ItemKind.PRODUCT,
        source_kind="catalog",
        name=str(record.get("description") or record.get("identifier") or ""),
        sku=str(record.get("identifier") or "") or None,
        mpn=record.get("manufacturerPartNumber"),
        description=record.get("customerDescription"),
        unit_price=money(record.get("price")),
        unit_cost=money(record.get("cost")),
        category=_name(record.get("category")),
        subcategory=_name(record.get("subcategory")),
        active=not record.get("inactiveFlag", False),
    )
