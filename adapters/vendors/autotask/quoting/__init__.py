"""Quotes pushed to Autotask (QUO-3..6, AT-1..10, CAT-2, PAY-14): ``PsaQuoting`` for Autotask.

A publish finds or makes, in order: the Company and Contact (``quote_parties.py``), the
Opportunity (``quote_opportunity.py``), the Quote, its items (``quote_items.py``) and the PDF
attachment. Each step is idempotent and crash-safe (QUO-6), by what marks what the hub made:

- Opportunity: picked, linked, or found by the quote's id in the hub-id user-defined field;
- Quote: the opportunity's Quote whose ``externalQuoteNumber`` is the hub's quote number; a
  new one's QuoteLocation (Autotask requires one) is linked to the quote before the Quote is
  created, so a retry reuses it;
- items: linked per line, strays adopted or deleted (``quote_items.py``);
- attachment: linked under an id derived from the quote and the PDF's digest; a new PDF is
  attached first, then every other attachment of the same title is deleted, so exactly one
  remains whichever step a crash interrupted.

Every call goes through the client, and so through the vendor limits (AT-10).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from adapters.vendors.autotask.client import AutotaskClient, AutotaskClients
from adapters.vendors.autotask.quoting import search as quote_search
from adapters.vendors.autotask.quoting.items import ItemSync, run_all
from adapters.vendors.autotask.quoting.marks import PENDING, PushMarks, digest, subject_of
from adapters.vendors.autotask.quoting.opportunity import QuoteOpportunity
from adapters.vendors.autotask.quoting.parties import Parties
from adapters.vendors.autotask.quoting.search import query_all
from adapters.vendors.autotask.settings import QuoteSettings, quote_settings
from adapters.vendors.autotask.translate.quote_items import plan_items
from adapters.vendors.autotask.translate.quotes import (
    QUOTE_DATES,
    attachment_body,
    attachment_title,
    check_quote,
    differences,
    pdf_key,
    quote_body,
    quote_fields,
    quote_location,
)
from adapters.vendors.autotask.translate.records import picklist_value
from adapters.vendors.autotask.translate.writes import external_int
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

OPPORTUNITIES, QUOTES, QUOTE_LOCATIONS = "Opportunities", "Quotes", "QuoteLocations"
ATTACHMENTS, OPPORTUNITY_ATTACHMENTS = "Attachments", "OpportunityAttachments"
QUOTE_PDF = "quote_pdf"  # ExternalLinks: hub quote + PDF digest → OpportunityAttachment
QUOTE_LOCATION = "quote_location"  # ExternalLinks: hub quote → its Quote's QuoteLocation
PUBLISH_LABEL = "All Autotask Users"  # who sees the attached PDF


def _utc_today() -> date:
    return datetime.now(UTC).date()


class AutotaskQuoting:
    """``application.quotes.ports.PsaQuoting`` over the Autotask REST API."""

    def __init__(
        self,
        clients: AutotaskClients,
        links: ExternalLinks,
        *,
        today: Callable[[], date] = _utc_today,
    ) -> None:
        self._clients = clients
        self._links = links
        self._today = today

    def check(self, quote: QuoteSnapshot, connection: ConnectionConfig) -> Sequence[Problem]:
        return check_quote(quote, connection.settings)

    async def publish(
        self, quote: QuoteSnapshot, pdf: bytes, connection: ConnectionConfig
    ) -> PublishResult:
        problems = check_quote(quote, connection.settings)
        if problems:
            raise VendorRejected("; ".join(f"{p.message} ({p.rule})" for p in problems))
        settings = quote_settings(connection.settings)
        client = await self._clients.client(connection)
        with counting_calls() as count:
            parties = Parties(client, self._links)
            company_id = await parties.company(quote)
            contact_id = await parties.contact(quote, company_id)
            opportunity_id = await QuoteOpportunity(client, self._links).publish(
                quote, settings, company_id=company_id, contact_id=contact_id
            )
            quote_id = await self._quote(client, quote, opportunity_id, company_id, contact_id)
            items = ItemSync(
                client, self._links, connection, settings, quote_id, quote_owner=quote.id
            )
            await items.sync(plan_items(quote, settings))
            attachment_id = await self._attach(client, quote, pdf, opportunity_id)
        return PublishResult(
            opportunity_ref=str(opportunity_id),
            quote_ref=str(quote_id),
            attachment_ref=str(attachment_id),
            calls=count.calls,
        )

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, connection: ConnectionConfig
    ) -> None:
        """QUO-4: status and stage from the mapping, and the day it was won or lost; a second
        call finds them set and writes nothing."""
        client, settings = await self._client(connection)
        opportunities = QuoteOpportunity(client, self._links)
        await opportunities.set_outcome(quote, outcome, settings, self._today())

    async def search_opportunities(
        self, search: OpportunitySearch, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        client, settings = await self._client(connection)
        return await quote_search.search_opportunities(client, settings, search, self._today())

    async def search_contacts(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaContact]:
        client = await self._clients.client(connection)
        return await quote_search.search_contacts(client, text, limit)

    async def search_items(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaItem]:
        client, settings = await self._client(connection)
        return await quote_search.search_items(client, settings, text, limit)

    async def open_opportunities(
        self, company_ref: str, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        client, settings = await self._client(connection)
        return await quote_search.open_opportunities(client, settings, company_ref)

    async def _client(self, connection: ConnectionConfig) -> tuple[AutotaskClient, QuoteSettings]:
        return await self._clients.client(connection), quote_settings(connection.settings)

    async def _quote(
        self,
        client: AutotaskClient,
        quote: QuoteSnapshot,
        opportunity_id: int,
        company_id: int,
        contact_id: int | None,
    ) -> int:
        marks = PushMarks(self._links, client.connection.connection_id)
        subject = subject_of(quote.id, "quote")
        last = await marks.last(subject)
        fields = quote_fields(quote, contact_id)
        written = digest(opportunity_id, fields)
        known, _, was = (last.value if last else "").partition(":")
        if last is not None and known.isdigit() and was.startswith(f"{opportunity_id}/"):
            if was != f"{opportunity_id}/{written}":  # the hub changed it: no read needed
                await client.update(QUOTES, int(known), fields)
                await marks.record(subject, last, f"{known}:{opportunity_id}/{written}")
            return int(known)
        quote_id = await self._find_or_create_quote(
            client, quote, opportunity_id, company_id, contact_id
        )
        await marks.record(subject, last, f"{quote_id}:{opportunity_id}/{written}")
        return quote_id

    async def _find_or_create_quote(
        self,
        client: AutotaskClient,
        quote: QuoteSnapshot,
        opportunity_id: int,
        company_id: int,
        contact_id: int | None,
    ) -> int:
        """The Quote found by the hub's quote number under the opportunity, brought up to
        date; else a new one (QUO-6: a create whose answer was lost is found here)."""
        number = {"op": "eq", "field": "externalQuoteNumber", "value": quote.number}
        under = {"op": "eq", "field": "opportunityID", "value": opportunity_id}
        found = await query_all(client, QUOTES, [number, under], limit=10)
        current = min(found, key=lambda item: int(item["id"]), default=None)
        if current is None:
            body = quote_body(
                quote,
                opportunity_id=opportunity_id,
                company_id=company_id,
                contact_id=contact_id,
                location_id=await self._location(client, quote),
            )
            return await client.create(QUOTES, body)
        changes = differences(current, quote_fields(quote, contact_id), QUOTE_DATES)
        if changes:
            await client.update(QUOTES, int(current["id"]), changes)
        return int(current["id"])

    async def _location(self, client: AutotaskClient, quote: QuoteSnapshot) -> int:
        """The new Quote's address; linked, so a retry after a failed create reuses it."""
        connection_id = client.connection.connection_id
        linked = await self._links.find(connection_id, QUOTE_LOCATION, quote.id)
        if linked is not None:
            return external_int(linked, "quote location")
        location_id = await client.create(QUOTE_LOCATIONS, quote_location(quote))
        await self._links.link(connection_id, QUOTE_LOCATION, quote.id, str(location_id))
        return location_id

    async def _attach(
        self, client: AutotaskClient, quote: QuoteSnapshot, pdf: bytes, opportunity_id: int
    ) -> int:
        """Exactly one attachment of this title, holding this PDF (QUO-3, QUO-6).

        The marks say which attachment the last publish left: the same PDF costs nothing, a
        new one is attached and the old one deleted by id. A ``pending`` mark before the new
        one's create sends a retry after a crash to ``_attach_found``, which reads them all."""
        marks = PushMarks(self._links, client.connection.connection_id)
        subject = subject_of(quote.id, "pdf")
        last = await marks.last(subject)
        pdf_digest = f"{opportunity_id}/{hashlib.sha256(pdf).hexdigest()[:16]}"
        old, _, was = (last.value if last else "").partition(":")
        if last is not None and old.isdigit() and was == pdf_digest:
            return int(old)
        pending = await marks.record(subject, last, PENDING)
        if last is not None and old.isdigit() and was.startswith(f"{opportunity_id}/"):
            keep = await self._attach_new(client, quote, pdf, opportunity_id)
            await client.delete_child(OPPORTUNITIES, opportunity_id, ATTACHMENTS, int(old))
        else:
            keep = await self._attach_found(client, quote, pdf, opportunity_id)
        await marks.record(subject, pending, f"{keep}:{pdf_digest}")
        return keep

    async def _attach_new(
        self, client: AutotaskClient, quote: QuoteSnapshot, pdf: bytes, opportunity_id: int
    ) -> int:
        body = attachment_body(
            quote, pdf, opportunity_id=opportunity_id, publish=await _publish_value(client)
        )
        keep = await client.create_child(OPPORTUNITIES, opportunity_id, ATTACHMENTS, body)
        connection_id = client.connection.connection_id
        await self._links.link(connection_id, QUOTE_PDF, pdf_key(quote, pdf), str(keep))
        return keep

    async def _attach_found(
        self, client: AutotaskClient, quote: QuoteSnapshot, pdf: bytes, opportunity_id: int
    ) -> int:
        """Every attachment of this title read: the one holding this PDF kept (or made), the
        others deleted, whichever step a crash interrupted."""
        connection_id = client.connection.connection_id
        title = {"op": "eq", "field": "title", "value": attachment_title(quote)}
        under = {"op": "eq", "field": "opportunityID", "value": opportunity_id}
        found = await query_all(client, OPPORTUNITY_ATTACHMENTS, [under, title], include=("title",))
        existing = {int(item["id"]) for item in found}
        key = pdf_key(quote, pdf)
        linked = await self._links.find(connection_id, QUOTE_PDF, key)
        keep = int(linked) if linked is not None and linked.isdigit() else None
        if keep not in existing:
            keep = await self._attach_new(client, quote, pdf, opportunity_id)
        older = existing - {keep}
        await run_all(
            client.delete_child(OPPORTUNITIES, opportunity_id, ATTACHMENTS, i) for i in older
        )
        return keep


async def _publish_value(client: AutotaskClient) -> int:
    fields = await client.fields_of(OPPORTUNITY_ATTACHMENTS)
    return picklist_value(fields, "publish", PUBLISH_LABEL) or 1
