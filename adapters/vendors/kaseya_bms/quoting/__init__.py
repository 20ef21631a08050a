"""Kaseya BMS's share of quoting (QUO-3..6, KBMS-1..9, CAT-2, PAY-14): ``KaseyaQuoting``.

A push brings, in order: the account (linked, found by name, or created) and the contact (found
by email or name, or created); the opportunity (the one picked, the linked one, one an earlier
push made, or a new one) to the quote's value; the service quotation and its lines
(``quotation.py``); and the quote PDF on the opportunity, replaced when it changed. What a push
makes is linked (INT-4) and carries a marker (the opportunity's description, the quotation's
name, the line items' reference, the PDF's file name), so a push retried after Kaseya's answer
was lost finds it instead of making another (QUO-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from adapters.vendors.kaseya_bms.calls import MAX_PAGES
from adapters.vendors.kaseya_bms.calls_quotes import KaseyaQuoteCalls
from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.quoting import search as lookups
from adapters.vendors.kaseya_bms.quoting.quotation import QuotationPush, every
from adapters.vendors.kaseya_bms.settings import QuoteSettings, check_settings, quote_settings
from adapters.vendors.kaseya_bms.translate.quotation import is_pdf_of, pdf_name
from adapters.vendors.kaseya_bms.translate.quotes import (
    Party,
    account_body,
    contact_body,
    is_contact,
    main_location,
    marker,
    new_opportunity,
    outcome_update,
    problems,
    status_id,
    updated_opportunity,
)
from adapters.vendors.kit.exchange import counting_calls
from application.integrations.appliers import CONTACT, ORGANIZATION
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

OPPORTUNITY = "kaseya_opportunity"  # link: quote → the opportunity a push made or found
PDF = "kaseya_pdf"  # link: quote → the PDF the last push left on its opportunity
PAGE = 100  # opportunities read a page at a time looking for a push's marker
Record = dict[str, Any]


class KaseyaQuoting:
    """``PsaQuoting`` for Kaseya BMS."""

    def __init__(self, clients: KaseyaClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    def check(self, quote: QuoteSnapshot, connection: ConnectionConfig) -> Sequence[Problem]:
        """KBMS-7 (and KBMS-2, the settings this push would use), before any call."""
        return _problems(quote, connection)

    async def publish(
        self, quote: QuoteSnapshot, pdf: bytes, connection: ConnectionConfig
    ) -> PublishResult:
        _refuse(_problems(quote, connection))
        calls = await self._clients.client(connection)
        settings = quote_settings(connection.settings)
        with counting_calls() as count:
            push = _Push(calls, self._links, connection, quote, settings)
            opportunity, made = await push.opportunity()
            lines = QuotationPush(calls, self._links, connection.connection_id, quote, settings)
            quotation_id = await lines.push(opportunity, made)
            attachment_id = await push.attach(int(opportunity["Id"]), pdf)
        return PublishResult(
            opportunity_ref=str(opportunity["Id"]),
            quote_ref="" if quotation_id is None else str(quotation_id),
            attachment_ref=str(attachment_id),
            warnings=tuple(lines.warnings),
            calls=count.calls,
        )

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, connection: ConnectionConfig
    ) -> None:
        """QUO-4: the mapped status (and its probability); nothing when it is there already."""
        _refuse(check_settings(connection.settings))
        settings = quote_settings(connection.settings)
        client = await self._clients.client(connection)
        ref = quote.opportunity_ref or await self._links.find(
            connection.connection_id, OPPORTUNITY, quote.id
        )
        if ref is None:
            raise VendorRejected(f"quote {quote.number} has no Kaseya BMS opportunity: publish it")
        statuses = await client.opportunity_statuses()
        wanted = status_id(statuses, settings.status_mapping[outcome.value], outcome.value)
        current = await client.opportunity(lookups.kaseya_id(ref, "opportunity"))
        status = next(s for s in statuses if s.get("Id") == wanted)
        body = outcome_update(current, settings, status)
        if body is not None:
            await client.update_opportunity(int(current["Id"]), body)

    async def search_opportunities(
        self, search: OpportunitySearch, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        return await lookups.opportunities(await self._clients.client(connection), search)

    async def search_contacts(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaContact]:
        return await lookups.contacts(await self._clients.client(connection), text, limit)

    async def search_items(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaItem]:
        return await lookups.items(await self._clients.client(connection), text, limit)

    async def open_opportunities(
        self, company_ref: str, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        client = await self._clients.client(connection)
        return await lookups.open_opportunities(client, company_ref)


def _problems(quote: QuoteSnapshot, connection: ConnectionConfig) -> list[Problem]:
    return problems(quote) + check_settings(connection.settings)


class _Push:
    """One push's account, contact, opportunity and PDF."""

    def __init__(
        self,
        calls: KaseyaQuoteCalls,
        links: ExternalLinks,
        connection: ConnectionConfig,
        quote: QuoteSnapshot,
        settings: QuoteSettings,
    ) -> None:
        self._calls, self._links, self._connection = calls, links, connection.connection_id
        self._quote, self._settings = quote, settings
        self._user: int | None = None

    async def opportunity(self) -> tuple[Record, bool]:
        """The opportunity at the quote's value, and whether this push made it."""
        found = await self._picked_or_linked()
        if found is None:
            party = await self._party()
            found = await self._marked(party.account_id)
            if found is None:
                return await self._create(party), True
            await self._link(OPPORTUNITY, self._quote.id, found["Id"])
        update = updated_opportunity(self._quote, self._settings, found)
        if update is not None:
            found = await self._calls.update_opportunity(int(found["Id"]), update)
        return found, False

    async def _create(self, party: Party) -> Record:
        statuses = await self._calls.opportunity_statuses()
        published = status_id(statuses, self._settings.status_mapping["published"], "published")
        owner = self._settings.opportunity_owner_id or await self._api_user()
        body = new_opportunity(self._quote, self._settings, party, published, owner)
        made = await self._calls.create_opportunity(body)
        await self._link(OPPORTUNITY, self._quote.id, made["Id"])
        return made

    async def attach(self, opportunity_id: int, pdf: bytes) -> int:
        """The quote PDF on the opportunity, exactly one: kept when it is this one, else
        uploaded and the earlier ones deleted (upload first: a failure between leaves two,
        which the next push clears, and never none). The link (``PDF``) says which PDF the
        last push left, so the attachments are listed only when it cannot say (a first push,
        one stopped mid-upload, another opportunity)."""
        module = self._calls.module_id("opportunity")
        name = pdf_name(self._quote, pdf)
        kept = PdfSent.read(await self._links.find(self._connection, PDF, self._quote.id))
        if kept is None or kept.opportunity_id != opportunity_id or kept.uploading:
            current = await self._attach_listed(module, opportunity_id, pdf, name)
        else:
            for old in kept.old:
                await self._calls.delete_attachment(module, opportunity_id, old)
            if kept.digest == _digest_of(name):
                if kept.old:
                    await self._sent_pdf(replace(kept, old=()))
                return kept.attachment_id
            await self._sent_pdf(replace(kept, old=(), uploading=True))
            made = await self._calls.upload_attachment(module, opportunity_id, name, pdf)
            current = PdfSent(
                opportunity_id, int(made["Id"]), _digest_of(name), (kept.attachment_id,)
            )
            await self._sent_pdf(current)
            await self._calls.delete_attachment(module, opportunity_id, kept.attachment_id)
        await self._sent_pdf(replace(current, old=()))
        return current.attachment_id

    async def _attach_listed(
        self, module: int, opportunity_id: int, pdf: bytes, name: str
    ) -> PdfSent:
        files = await self._calls.attachments(module, opportunity_id)
        ours = [f for f in files if is_pdf_of(self._quote, f.get("OriginalFileName"))]
        current = next((f for f in ours if f.get("OriginalFileName") == name), None)
        if current is None:
            current = await self._calls.upload_attachment(module, opportunity_id, name, pdf)
        for old in ours:
            if old["Id"] != current["Id"]:
                await self._calls.delete_attachment(module, opportunity_id, int(old["Id"]))
        return PdfSent(opportunity_id, int(current["Id"]), _digest_of(name))

    async def _sent_pdf(self, sent: PdfSent) -> None:
        await self._links.link(self._connection, PDF, self._quote.id, sent.text)

    async def _picked_or_linked(self) -> Record | None:
        ref = self._quote.opportunity_ref
        if ref is not None:  # picked with the selector (QUO-5): Kaseya's answer is final
            return await self._calls.opportunity(lookups.kaseya_id(ref, "opportunity"))
        linked = await self._links.find(self._connection, OPPORTUNITY, self._quote.id)
        if linked is None:
            return None
        try:
            return await self._calls.opportunity(lookups.kaseya_id(linked, "opportunity"))
        except VendorRejected as exc:
            if exc.status == 404:  # deleted in Kaseya: found or made again
                return None
            raise

    async def _marked(self, account_id: int) -> Record | None:
        """An opportunity an earlier push made for this quote, whose answer was lost."""
        mark = marker(self._quote)
        for number in range(1, MAX_PAGES + 1):
            page = await self._calls.opportunities(
                account_id=account_id, page=number, page_size=PAGE
            )
            found = [o for o in page.items if mark in str(o.get("Description") or "")]
            if found:
                return min(found, key=lambda o: int(o["Id"]))
            if not page.items or number * PAGE >= (page.total or 0):
                return None
        return None

    async def _party(self) -> Party:
        account = await self._account()
        location = main_location(account)
        if location is None:
            location = main_location(await self._calls.account(int(account["Id"])))
        if location is None:
            raise VendorRejected(
                f"the Kaseya account {account.get('AccountName')!r} has no location"
            )
        party = Party(int(account["Id"]), location, None)
        return Party(party.account_id, location, await self._contact(party))

    async def _account(self) -> Record:
        org = self._quote.organization
        linked = (
            None
            if org.id is None
            else await self._links.find(self._connection, ORGANIZATION, org.id)
        )
        if linked is not None:
            return await self._calls.account(lookups.kaseya_id(linked, "account"))
        name = org.name.strip().casefold()
        found = await every(lambda n: self._calls.find_accounts(org.name.strip(), page=n))
        same = [a for a in found if str(a.get("AccountName") or "").strip().casefold() == name]
        if same:
            account = min(same, key=lambda a: int(a["Id"]))
        elif self._settings.create_accounts:
            manager = self._settings.account_manager_id or await self._api_user()
            body = account_body(self._quote, self._settings, manager)
            account = await self._calls.create_account(body)
        else:
            raise VendorRejected(
                f"Kaseya BMS has no account named {org.name!r} and the create_accounts setting "
                "is off: create the account in Kaseya BMS first"
            )
        if org.id is not None:
            await self._link(ORGANIZATION, org.id, account["Id"])
        return account

    async def _contact(self, party: Party) -> int | None:
        person = self._quote.contact
        if person is None:
            return None
        if person.id is not None:
            linked = await self._links.find(self._connection, CONTACT, person.id)
            if linked is not None:
                return lookups.kaseya_id(linked, "contact")
        query: dict[str, Any] = (
            {"email": person.email}
            if person.email
            else {"first_name": person.first_name, "last_name": person.last_name}
        )
        page = await self._calls.find_contacts(account_id=party.account_id, **query)
        same = [c for c in page.items if is_contact(c, self._quote)]
        if same:
            contact_id = min(int(c["Id"]) for c in same)
        elif self._settings.create_contacts:
            made = await self._calls.create_contact(contact_body(person, self._settings, party))
            contact_id = int(made["Id"])
        else:
            return None
        if person.id is not None:
            await self._link(CONTACT, person.id, contact_id)
        return contact_id

    async def _api_user(self) -> int:
        """The API user (read once a push), where the settings name no Kaseya user."""
        if self._user is None:
            self._user = await self._calls.api_user_id()
        return self._user

    async def _link(self, entity: str, entity_id: UUID, external_id: object) -> None:
        await self._links.link(self._connection, entity, entity_id, str(external_id))


@dataclass(frozen=True)
class PdfSent:
    """The PDF a push left: on which opportunity, its attachment id, the digest in its name;
    ``old``: attachments still to delete; ``uploading``: a push stopped between writing this
    and the upload's answer (the next one lists the attachments)."""

    opportunity_id: int
    attachment_id: int
    digest: str
    old: tuple[int, ...] = ()
    uploading: bool = False

    @property
    def text(self) -> str:
        olds = ",".join(str(o) for o in self.old) or "-"
        flag = " uploading" if self.uploading else ""
        return f"{self.opportunity_id} {self.attachment_id} {self.digest} {olds}{flag}"

    @staticmethod
    def read(text: str | None) -> PdfSent | None:
        parts = (text or "").split()
        if len(parts) not in (4, 5) or not (parts[0].isdigit() and parts[1].isdigit()):
            return None
        olds = () if parts[3] == "-" else tuple(int(o) for o in parts[3].split(",") if o.isdigit())
        return PdfSent(int(parts[0]), int(parts[1]), parts[2], olds, len(parts) == 5)


def _digest_of(name: str) -> str:
    """The PDF digest in a file name ``pdf_name`` made."""
    return name.rsplit(" ", 1)[-1].removesuffix(".pdf")


def _refuse(problems: Sequence[Problem]) -> None:
    if problems:
        raise VendorRejected("; ".join(f"{p.message} ({p.rule})" for p in problems))
