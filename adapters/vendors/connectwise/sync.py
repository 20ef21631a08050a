"""The ConnectWise sync: the organization deliverer, the puller and the connection test.

- ``organization.push`` (CW-2, BSS-1): the organization as a Company of the configured type
  and status. Idempotent (INT-4, QUO-6): a linked one is patched with what differs; an unlinked
  one is first looked up by its identifier among the companies not deleted (a write whose
  answer was lost, e.g. ConnectWise's 500 "timeout" after the write, has made it), and only
  then created. Deleted (recycle-bin) companies are never matched.
- The puller (CW-2): companies of the selected types and statuses, not deleted, all of them
  first and then those whose ``lastUpdated`` is at or after the last pull (an overlap, since
  the stamp has whole seconds); their contacts likewise, and on a later pull every contact of
  a company that changed (it may have just become selected). A page's checkpoint is the
  ``Link``.
- The connection test (CW-1, INT-2): the company id (company info), the keys (system info),
  and for each sync the tenant enabled, a count on each resource it writes or reads, so a
  missing permission is named before a sync fails on it; then every name the settings use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from adapters.vendors.connectwise import lookups
from adapters.vendors.connectwise.client import ConnectWiseClient, ConnectWiseClients, Page
from adapters.vendors.connectwise.contract import MAX_PAGE_SIZE, api_time, quoted
from adapters.vendors.connectwise.settings import ConnectWiseSettings, read_settings
from adapters.vendors.connectwise.translate.companies import (
    CompanyRefs,
    Resolved,
    company_fields,
    company_from_organization,
    contact_from_record,
    fields_of,
    hub_identifier,
    organization_from_company,
    patch_operations,
)
from application.integrations.appliers import CONTACT, ORGANIZATION
from application.integrations.messages import OrganizationPush, expect
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    OutboxMessage,
    PulledPage,
    PullRequest,
    VendorError,
    VendorRejected,
)
from application.integrations.records import MalformedRecord, PulledRecord

COMPANIES = "company/companies"
CONTACTS = "company/contacts"
OVERLAP = timedelta(seconds=1)


class ConnectWiseDeliverer(ABC):
    """A deliverer of ``kind`` messages; any other kind is refused before any call."""

    kind: ClassVar[str]

    def __init__(self, clients: ConnectWiseClients, links: ExternalLinks) -> None:
        self._clients = clients
        self._links = links

    async def deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        if message.kind != self.kind:
            raise VendorRejected(f"ConnectWise cannot deliver {message.kind!r} messages here")
        await self._deliver(message, connection)

    @abstractmethod
    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None: ...


async def resolve_company(
    client: ConnectWiseClient, organization: OrganizationPush, settings: ConnectWiseSettings
) -> Resolved:
    """The ids of the configured type and status and of the address's state and country;
    an unknown name is a sync error naming it (a retry after the fix succeeds)."""
    chosen = settings.organizations
    address = organization.billing_address
    return Resolved(
        status_id=await lookups.resolve(
            client, "company_statuses", chosen.company_status, "company_status"
        ),
        type_id=await lookups.resolve(client, "company_types", chosen.company_type, "company_type"),
        state=await lookups.state_code(client, address.state) if address.state else None,
        country_id=await lookups.country_id(client, address.country) if address.country else None,
    )


async def find_company(client: ConnectWiseClient, organization_id: UUID) -> dict[str, Any] | None:
    """The live company carrying the hub's identifier; a deleted one is never matched."""
    identifier = hub_identifier(organization_id)
    page = await client.first_page(
        COMPANIES,
        conditions=f"identifier={quoted(identifier)} and deletedFlag=false",
        page_size=2,
    )
    found = [
        c for c in page.items if c.get("identifier") == identifier and not c.get("deletedFlag")
    ]
    return found[0] if found else None


async def create_company(
    client: ConnectWiseClient, organization_id: UUID, body: Mapping[str, Any]
) -> int:
    """A new company; when its identifier is taken meanwhile (the organization's push and a
    quote's at once), the one made first is adopted. A deleted twin is never adopted."""
    try:
        made = await client.create(COMPANIES, body)
    except VendorRejected:
        found = await find_company(client, organization_id)
        if found is None:
            raise
        return int(found["id"])
    return int(made["id"])


class ConnectWiseOrganizationPush(ConnectWiseDeliverer):
    """Deliverer of ``organization.push``: the organization as a ConnectWise Company."""

    kind = OrganizationPush.kind

    async def _deliver(self, message: OutboxMessage, connection: ConnectionConfig) -> None:
        organization = expect(message.body, OrganizationPush, "ConnectWise")
        settings = read_settings(connection.settings)
        client = await self._clients.client(connection)
        await push_company(client, self._links, organization, settings)


async def push_company(
    client: ConnectWiseClient,
    links: ExternalLinks,
    organization: OrganizationPush,
    settings: ConnectWiseSettings,
) -> int:
    """The organization's company, made or brought up to date; its id, linked (INT-4)."""
    connection_id = client.connection.connection_id
    resolved = await resolve_company(client, organization, settings)
    linked = await links.find(connection_id, ORGANIZATION, organization.id)
    current: dict[str, Any] | None = None
    if linked is not None:
        current = await client.get(COMPANIES, int(linked))
        if current is None or current.get("deletedFlag"):
            raise VendorRejected(
                f"the ConnectWise company {linked} linked to this organization was deleted"
            )
    else:
        current = await find_company(client, organization.id)
    refs = await company_refs(client, links, organization)
    if current is None:
        company_id = await create_company(
            client, organization.id, company_from_organization(organization, resolved, refs)
        )
    else:
        company_id = int(current["id"])
        wanted = company_fields(organization, resolved, refs)
        if organization.changed is not None and linked is not None:
            keep = fields_of(organization.changed)
            wanted = {k: v for k, v in wanted.items() if k in keep}
        ops = patch_operations(current, wanted)
        if ops:
            await client.patch(COMPANIES, company_id, ops)
    if linked is None:
        await links.link(connection_id, ORGANIZATION, organization.id, str(company_id))
    return company_id


async def company_refs(
    client: ConnectWiseClient, links: ExternalLinks, organization: OrganizationPush
) -> CompanyRefs:
    """Seed 004's references (BSS-1): the parent and bill-to companies and the default contact
    the hub has linked (one not pushed yet is left out, and set by a later push), and the
    currency by its code; an unknown currency is a sync error naming it."""
    connection_id = client.connection.connection_id

    async def linked(kind: str, hub_id: UUID | None) -> int | None:
        found = None if hub_id is None else await links.find(connection_id, kind, hub_id)
        return int(found) if found is not None and str(found).isdigit() else None

    currency = None
    if organization.currency is not None:
        currency = await lookups.currency_id(client, organization.currency)
    return CompanyRefs(
        default_contact=await linked(CONTACT, organization.default_contact_id),
        parent_company=await linked(ORGANIZATION, organization.parent_id),
        bill_to_company=await linked(ORGANIZATION, organization.bill_to_id),
        currency=currency,
    )


class ConnectWiseConnectionTester:
    """INT-2, CW-1: Connected (None), or ConnectWise's reason."""

    # What each enabled sync needs to read or write: a count on each proves the right.
    NEEDS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "organizations_out": (COMPANIES, CONTACTS),
        "organizations_in": (COMPANIES, CONTACTS),
        "opportunities": ("sales/opportunities", "procurement/products", "system/documents"),
        "products": ("procurement/catalog",),
    }

    def __init__(self, clients: ConnectWiseClients) -> None:
        self._clients = clients

    async def test(self, connection: ConnectionConfig) -> str | None:
        try:
            client = await self._clients.client(connection)
            await client.api_root()  # the company id: unknown → its own reason
            await client.count("company/companies/types")  # the keys and the clientId
            settings = read_settings(connection.settings)
            syncs = settings.syncs
            for sync, paths in self.NEEDS.items():
                if getattr(syncs, sync):
                    for path in paths:
                        await client.count(path)
            await _names_exist(client, settings)
        except VendorError as exc:
            return exc.message
        except ValueError as exc:  # a malformed setting
            return str(exc)
        return None


async def _names_exist(client: ConnectWiseClient, settings: ConnectWiseSettings) -> None:
    syncs = settings.syncs
    if syncs.organizations_out:
        chosen = settings.organizations
        await lookups.resolve(client, "company_types", chosen.company_type, "company_type")
        await lookups.resolve(client, "company_statuses", chosen.company_status, "company_status")
        await lookups.resolve(client, "contact_types", chosen.contact_type, "contact_type")
    if syncs.organizations_in:
        chosen = settings.organizations
        for name in chosen.pull_types:
            await lookups.resolve(client, "company_types", name, "pull_company_types")
        for name in chosen.pull_statuses:
            await lookups.resolve(client, "company_statuses", name, "pull_company_statuses")


@dataclass(frozen=True)
class _Selected:
    """A company a pull takes: its default contact's id, and when it last changed."""

    default_contact: int | None
    changed: datetime | None


COMPANY_IDS_PER_QUERY = 100  # ``company/id in (…)``: the URL stays under DG's 2,000
AFTER_COMPANIES = "companies:"  # a contacts checkpoint past the changed contacts


class ConnectWisePuller:
    """Puller of organizations and contacts (CW-2, BSS-1, BSS-2).

    Contacts come in only for the selected companies, every page of them (BSS-2); a contact
    its company names ``defaultContact`` says so (BSS-1). A later pull takes the contacts
    changed since, then every contact of each selected company changed since (one that has
    just become selected brings its contacts, changed or not), ``company/id in (…)`` in
    chunks, each paged; a checkpoint there is ``companies:<chunk>[:<Link>]``.
    """

    def __init__(self, clients: ConnectWiseClients, page_size: int = MAX_PAGE_SIZE) -> None:
        self._clients = clients
        self._page_size = page_size  # ConnectWise's most; a test pages a few records

    async def pages(
        self, request: PullRequest, connection: ConnectionConfig
    ) -> AsyncIterator[PulledPage]:
        if request.entity not in ("organization", "contact"):
            raise VendorRejected(f"ConnectWise cannot pull {request.entity!r}")
        client = await self._clients.client(connection)
        if request.entity == "contact":
            async for found in self._contacts(client, request):
                yield found
            return
        settings = read_settings(connection.settings).organizations
        if request.checkpoint:
            page = await client.page_at(COMPANIES, request.checkpoint)
        else:
            page = await client.first_page(
                COMPANIES,
                conditions=company_conditions(settings.pull_statuses, request.changed_since),
                child_conditions=type_conditions(settings.pull_types),
                order_by="id asc",
                page_size=self._page_size,
            )
        while True:
            records = [read_record(ORGANIZATION, c, organization_from_company) for c in page.items]
            yield PulledPage(records=records, next_checkpoint=page.next_url)
            if page.next_url is None:
                return
            page = await client.page_at(COMPANIES, page.next_url)

    async def _contacts(
        self, client: ConnectWiseClient, request: PullRequest
    ) -> AsyncIterator[PulledPage]:
        selected = await self._selected(client)
        since = request.changed_since
        changed = sorted(
            i for i, s in selected.items() if since and s.changed and s.changed >= since - OVERLAP
        )
        chunks = [
            changed[at : at + COMPANY_IDS_PER_QUERY]
            for at in range(0, len(changed), COMPANY_IDS_PER_QUERY)
        ]

        def records(page: Page) -> list[PulledRecord]:
            return [
                read_record(CONTACT, c, contact)
                for c in page.items
                if (i := _company_id(c)) is not None and i in selected
            ]

        def contact(item: Mapping[str, Any]) -> PulledRecord:
            company = selected[_company_id(item) or 0]
            return contact_from_record(item, company_default=company.default_contact == item["id"])

        def after(chunk: int) -> str | None:
            return f"{AFTER_COMPANIES}{chunk}" if chunk < len(chunks) else None

        checkpoint = request.checkpoint or ""
        if not checkpoint.startswith(AFTER_COMPANIES):
            if checkpoint:
                page = await client.page_at(CONTACTS, checkpoint)
            else:
                page = await client.first_page(
                    CONTACTS,
                    conditions=changed_conditions(since),
                    order_by="id asc",
                    page_size=self._page_size,
                )
            while True:
                yield PulledPage(records(page), page.next_url or after(0))
                if page.next_url is None:
                    break
                page = await client.page_at(CONTACTS, page.next_url)
            checkpoint = after(0) or ""
        if not checkpoint:
            return
        number, _, link = checkpoint.removeprefix(AFTER_COMPANIES).partition(":")
        for chunk in range(int(number), len(chunks)):
            if link:
                page = await client.page_at(CONTACTS, link)
                link = ""
            else:
                ids = ", ".join(str(i) for i in chunks[chunk])
                page = await client.first_page(
                    CONTACTS,
                    conditions=f"company/id in ({ids})",
                    order_by="id asc",
                    page_size=self._page_size,
                )
            while True:
                at = f"{AFTER_COMPANIES}{chunk}:{page.next_url}" if page.next_url else None
                yield PulledPage(records(page), at or after(chunk + 1))
                if page.next_url is None:
                    break
                page = await client.page_at(CONTACTS, page.next_url)

    async def _selected(self, client: ConnectWiseClient) -> dict[int, _Selected]:
        """The companies a pull takes (types, statuses, not deleted), every page of them, by
        id: contacts come in only for them (BSS-2)."""
        settings = read_settings(client.connection.settings).organizations
        found: dict[int, _Selected] = {}
        async for page in client.pages(
            COMPANIES,
            conditions=company_conditions(settings.pull_statuses, None),
            child_conditions=type_conditions(settings.pull_types),
            order_by="id asc",
            page_size=self._page_size,
        ):
            for company in page.items:
                if not isinstance(company, dict) or not isinstance(company.get("id"), int):
                    continue  # not a company: the companies' own pull reports it (INT-7)
                info = company.get("_info")
                found[company["id"]] = _Selected(
                    default_contact=_ref_id(company.get("defaultContact")),
                    changed=_moment(info.get("lastUpdated") if isinstance(info, dict) else None),
                )
        return found


def read_record(
    entity: str, item: Any, translate: Callable[[Mapping[str, Any]], PulledRecord]
) -> PulledRecord:
    """A record as the hub reads it, or, when ConnectWise sent something of another shape
    (a field of the wrong type), a malformed record naming what: a sync error, never a pull
    that crashes at the same page on every try (INT-7)."""
    if not isinstance(item, dict):
        return MalformedRecord(entity, "?", f"ConnectWise sent a {type(item).__name__}")
    known = item.get("id")
    try:
        return translate(item)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        return MalformedRecord(
            entity, str(known if known is not None else "?"), f"ConnectWise sent {error!r}"
        )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ref_id(ref: object) -> int | None:
    return ref.get("id") if isinstance(ref, dict) and isinstance(ref.get("id"), int) else None


def _company_id(contact: object) -> int | None:
    company = contact.get("company") if isinstance(contact, dict) else None
    return company.get("id") if isinstance(company, dict) else None


def company_conditions(statuses: tuple[str, ...], since: datetime | None) -> str:
    """Not deleted, of the selected statuses, changed since the last pull (with an overlap)."""
    names = ", ".join(quoted(s) for s in statuses)
    parts = ["deletedFlag=false", f"status/name in ({names})"]
    if since is not None:
        parts.append(f"lastUpdated>=[{api_time(since - OVERLAP)}]")
    return " and ".join(parts)


def type_conditions(types: tuple[str, ...]) -> str:
    """Any of the company's types is selected (``in`` is not allowed in childConditions)."""
    return " or ".join(f"types/name={quoted(t)}" for t in types)


def changed_conditions(since: datetime | None) -> str | None:
    return None if since is None else f"lastUpdated>=[{api_time(since - OVERLAP)}]"
