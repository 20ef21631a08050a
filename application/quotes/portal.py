"""The quotes a portal contact sees and decides on (PAY-14, QUO-4, QUO-7).

Its organization's published, won and lost quotes; a draft or another organization's quote is
not found. Accepting records who typed their name, when, from which address, and the SHA-256
of the PDF they were shown: the PDF is rendered again at acceptance, as issued on the day the
page showed it (a page shown before midnight UTC and sent after it prints the earlier date), and
must be the one they saw, so a quote changed since is refused rather than accepted unseen. The
render and its hash come before the quote is locked; under the lock, the quote must still be
the one rendered. Every day here is UTC (``utc_day``). Accepting wins the quote
and declining loses it, through the same ``mark_won`` / ``mark_lost`` as staff, so the PSA
opportunity moves by the existing path (``quote.outcome``, QUO-4).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from application.identity.branding import branding_of
from application.integrations.ports import VendorError
from application.notifications.signature import signed
from application.quotes.ports import PsaOpportunity, QuoteDocuments
from application.quotes.repositories import QuoteFilter
from application.quotes.search import NoPsa, PsaSearch
from application.quotes.snapshots import load_snapshot
from application.shared.errors import NotFound
from application.shared.pagination import PageRequest
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.crm.organization import ContactId, OrganizationId
from domain.identity.branding import Branding
from domain.identity.tenant import TenantId
from domain.notifications.notification import Notification, NotificationKind
from domain.quotes.acceptance import QuoteAcceptance, QuoteAcceptanceId
from domain.quotes.quote import Quote, QuoteId, QuoteStatus
from domain.shared.errors import DomainError
from domain.shared.time import utc_day

VISIBLE = (QuoteStatus.PUBLISHED, QuoteStatus.WON, QuoteStatus.LOST)


@dataclass(frozen=True)
class PortalQuote:
    quote: Quote
    status: QuoteStatus  # as of today: a published quote past its expiry is expired
    acceptance: QuoteAcceptance | None
    opportunity_refs: frozenset[str] = frozenset()  # the PSA opportunities it is linked to


@dataclass(frozen=True)
class PortalOpportunity:
    """An open PSA opportunity of the organization, with the hub quote made for it, if any."""

    opportunity: PsaOpportunity
    quote: PortalQuote | None


@dataclass(frozen=True)
class QuotesPage:
    """The organization's quotes and its open opportunities (PAY-14). ``psa_unavailable``: a
    PSA is connected but did not answer, so the opportunities could not be read now."""

    quotes: list[PortalQuote]
    opportunities: list[PortalOpportunity]
    psa_unavailable: bool = False
    psa: bool = True  # False: no PSA connected, so no opportunities to speak of


@dataclass(frozen=True, kw_only=True)
class Acceptance:
    quote_id: QuoteId
    contact_id: ContactId
    signed_name: str
    agreed_to_terms: bool
    ip_address: str
    pdf_sha256: str  # of the PDF the page showed
    issued_on: date | None = None  # the day that PDF was issued (the page's); None: today


class PortalQuotes:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, documents: QuoteDocuments
    ) -> None:
        self._uow, self._clock, self._ids, self._documents = uow, clock, ids, documents

    async def quotes(
        self, tenant_id: TenantId, organization_id: OrganizationId
    ) -> list[PortalQuote]:
        today = utc_day(self._clock.now())
        async with self._uow(tenant_id) as uow:
            found = await uow.quotes.list(
                QuoteFilter(organization_id=organization_id), PageRequest.parse(100, None)
            )
            return [
                PortalQuote(q, q.status_on(today), await _accepted(uow, q), await _refs(uow, q))
                for q in found
                if q.status in VISIBLE
            ]

    async def with_opportunities(
        self, tenant_id: TenantId, organization_id: OrganizationId, psa: PsaSearch
    ) -> QuotesPage:
        """The quotes beside the PSA's open opportunities of the organization, read from the
        PSA now (PAY-14); each opportunity names the hub quote linked to it. No PSA: none."""
        quotes = await self.quotes(tenant_id, organization_id)
        try:
            found = await psa.open_for(tenant_id, organization_id)
        except NoPsa:
            return QuotesPage(quotes, [], psa=False)
        except VendorError:
            return QuotesPage(quotes, [], psa_unavailable=True)
        by_ref = {ref: q for q in quotes for ref in q.opportunity_refs}
        return QuotesPage(quotes, [PortalOpportunity(o, by_ref.get(o.external_id)) for o in found])

    async def quote(
        self, tenant_id: TenantId, organization_id: OrganizationId, quote_id: QuoteId
    ) -> PortalQuote:
        async with self._uow(tenant_id) as uow:
            quote = await _own(uow, organization_id, quote_id)
            today = utc_day(self._clock.now())
            return PortalQuote(quote, quote.status_on(today), await _accepted(uow, quote))

    def today(self) -> date:
        """The UTC day: the one a PDF rendered now is issued on."""
        return utc_day(self._clock.now())

    def issue_day(self, shown_on: date | None) -> date:
        """The day a PDF a page showed was issued on: today, or yesterday for a page shown
        before midnight (UTC); anything else is today's (an older page is reviewed again)."""
        today = self.today()
        if shown_on is None or not today - timedelta(days=1) <= shown_on <= today:
            return today
        return shown_on

    async def document(
        self,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        quote_id: QuoteId,
        issued_on: date | None = None,
    ) -> tuple[Quote, bytes]:
        """The quote's PDF as issued on ``issued_on`` (today, UTC, by default)."""
        async with self._uow(tenant_id) as uow:
            quote = await _own(uow, organization_id, quote_id)
            snapshot = await load_snapshot(uow, quote, issued_on or self.today())
        return quote, await asyncio.to_thread(self._documents.render, snapshot)

    async def accept(
        self, tenant_id: TenantId, organization_id: OrganizationId, accepted: Acceptance
    ) -> QuoteAcceptance:
        now = self._clock.now()
        # The PDF as the page showed it, rendered and hashed before the quote is locked.
        shown_on = self.issue_day(accepted.issued_on)
        rendered, pdf = await self.document(tenant_id, organization_id, accepted.quote_id, shown_on)
        if hashlib.sha256(pdf).hexdigest() != accepted.pdf_sha256:
            raise _changed()
        async with self._uow(tenant_id) as uow:
            quote = await _own(uow, organization_id, accepted.quote_id, lock=True)
            if quote.updated_at != rendered.updated_at:  # changed since it was rendered
                raise _changed()
            acceptance = QuoteAcceptance(
                id=QuoteAcceptanceId(self._ids()),
                tenant_id=tenant_id,
                quote_id=quote.id,
                contact_id=accepted.contact_id,
                signed_name=accepted.signed_name,
                agreed_to_terms=accepted.agreed_to_terms,
                ip_address=accepted.ip_address,
                pdf_sha256=accepted.pdf_sha256,
                accepted_at=now,
            )
            quote.mark_won(now, acceptance.accepted_on)  # QUO-1's checks; QUO-4: quote.outcome
            await uow.quote_acceptances.add(acceptance)
            branding = await branding_of(uow)
            for address in await _confirm_to(uow, quote, accepted.contact_id):
                confirmation = self._confirmation(quote, acceptance, address, branding)
                await uow.notifications.add(confirmation)
            await uow.commit()
        return acceptance

    def _confirmation(
        self, quote: Quote, acceptance: QuoteAcceptance, address: str, branding: Branding
    ) -> Notification:
        """PAY-13: the contact and the quote's owner are told, with what was recorded, from
        the MSP (its name as sender, its contacts under the text)."""
        return Notification(
            id=self._ids(),
            tenant_id=quote.tenant_id,
            kind=NotificationKind.QUOTE_ACCEPTED,
            subject_id=quote.id,
            to_address=address,
            title=f"Quote {quote.number} accepted: {quote.header.title}",
            body=signed(
                f"Quote {quote.number} ({quote.header.title}) was accepted in the client portal "
                f"by {acceptance.signed_name} on {acceptance.accepted_at:%Y-%m-%d %H:%M} UTC "
                f"from {acceptance.ip_address or 'an unknown address'}.\n\n"
                f"The document accepted has the SHA-256 {acceptance.pdf_sha256}.\n",
                branding,
            ),
            created_at=acceptance.accepted_at,
            sender_name=branding.name,
        )

    async def decline(
        self,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        quote_id: QuoteId,
        reason: str,
    ) -> Quote:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            quote = await _own(uow, organization_id, quote_id, lock=True)
            quote.mark_lost(now, reason.strip() or None)
            await uow.commit()
        return quote


def _changed() -> DomainError:
    return DomainError(
        "the quote has changed since this page was shown: review it again",
        code="quote_changed",
        field="pdf_sha256",
    )


async def _own(
    uow: UnitOfWork, organization_id: OrganizationId, quote_id: QuoteId, *, lock: bool = False
) -> Quote:
    quote = await uow.quotes.get(quote_id, lock=lock)
    if quote.header.organization_id != organization_id or quote.status not in VISIBLE:
        raise NotFound(f"quote {quote_id} not found")
    return quote


async def _confirm_to(uow: UnitOfWork, quote: Quote, contact_id: ContactId) -> list[str]:
    contact = await uow.contacts.get(contact_id)
    addresses = [contact.email, quote.header.owner_email]
    return list(dict.fromkeys(a for a in addresses if a))


async def _refs(uow: UnitOfWork, quote: Quote) -> frozenset[str]:
    """The opportunity picked for the quote (QUO-5) and the ones its pushes landed on."""
    pushed = {p.opportunity_ref for p in await uow.quote_pushes.of_quote(quote.id)}
    picked = {quote.header.opportunity_ref} if quote.header.opportunity_ref else set()
    return frozenset(pushed | picked)


async def _accepted(uow: UnitOfWork, quote: Quote) -> QuoteAcceptance | None:
    if quote.status is not QuoteStatus.WON:
        return None
    found = await uow.quote_acceptances.of_quote(quote.id)
    return found[-1] if found else None
