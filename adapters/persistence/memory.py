"""In-memory fakes of the persistence ports: the same contract, no database.

Each unit of work works on copies and writes back on commit what it changed, as the database
does: a unit of work that is not committed changes nothing; two that only read the same object
do not conflict; a concurrent edit of a versioned object (the tables with a ``version`` column)
is a Conflict, while the others take the last writer's changed fields; the tables' unique
constraints and foreign keys hold (a use-case test names its tenants with
``tests/support/memory.with_tenants``).
"""

from __future__ import annotations

import builtins
import copy
import json
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from application.billing.repositories import InvoiceFilter, PaymentFilter
from application.catalog.ports import ItemFilter
from application.crm.ports import ContactFilter, OrganizationFilter
from application.identity.ports import FoundKey, PortalHolder
from application.integrations.messages import decode, encode
from application.integrations.outbox import NewOutboxMessage
from application.quotes.repositories import QuoteFilter, QuotePush
from application.shared.errors import ChangedMeanwhile, Conflict, NotFound
from application.shared.pagination import PageRequest
from application.shared.unit_of_work import SyncPolicy, UnitOfWork
from domain.billing.invoice import Invoice, InvoiceId
from domain.billing.methods import PaymentMethod, PaymentMethodId
from domain.billing.payment import HistoryEntry, Payment, PaymentId
from domain.catalog.item import CatalogItem, CatalogItemId, Category, CategoryId
from domain.crm.contact import Contact
from domain.crm.organization import ContactId, Organization, OrganizationId
from domain.crm.records import PsaRecord, RecordKind
from domain.identity.access import ApiKey, ApiKeyId
from domain.identity.branding import Branding, Logo
from domain.identity.invitation import PortalInvitation, PortalInvitationId
from domain.identity.tenant import Tenant, TenantId
from domain.integrations.connection import Connection, ConnectionId, Family
from domain.notifications.notification import Notification, NotificationKind
from domain.quotes.acceptance import QuoteAcceptance
from domain.quotes.quote import Quote, QuoteId
from domain.shared.events import DomainEvent

E = TypeVar(
    "E",
    Organization,
    Contact,
    ApiKey,
    PortalInvitation,
    QuoteAcceptance,
    Tenant,
    Connection,
    Invoice,
    Payment,
    PaymentMethod,
    PsaRecord,
    Notification,
    Category,
    CatalogItem,
    Quote,
)


@dataclass
class OutboxRow:
    """One row of the outbox table (``memory_sync`` is the worker's side of it)."""

    id: int
    tenant_id: TenantId
    connection_id: ConnectionId
    kind: str
    aggregate_type: str
    aggregate_id: UUID
    payload: dict[str, Any]
    status: str = "pending"  # pending | delivered | failed
    attempts: int = 0
    next_attempt_at: datetime | None = None  # None: due from the start
    lease_owner: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None


@dataclass
class SyncErrorRow:
    id: UUID
    tenant_id: TenantId
    connection_id: ConnectionId
    outbox_id: int | None
    kind: str
    entity_type: str
    entity_id: UUID
    message: str
    status: str
    attempts: int
    created_at: datetime
    updated_at: datetime


@dataclass
class SyncJobRow:
    id: UUID
    tenant_id: TenantId
    connection_id: ConnectionId
    entity: str
    full: bool
    status: str
    changed_since: datetime | None
    created_at: datetime
    checkpoint: str | None = None
    records: int = 0
    error: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class InMemoryDatabase:
    """Committed state, shared by every unit of work and store of one fake container."""

    rows: dict[type[Any], dict[UUID, Any]] = field(default_factory=dict)
    versions: dict[UUID, int] = field(default_factory=dict)
    outbox: list[tuple[TenantId, NewOutboxMessage]] = field(default_factory=list)  # as written
    outbox_rows: list[OutboxRow] = field(default_factory=list)  # as the worker's queue sees them
    history: dict[tuple[TenantId, UUID], list[HistoryEntry]] = field(default_factory=dict)
    quote_pushes: dict[tuple[TenantId, UUID, UUID], QuotePush] = field(default_factory=dict)
    sync_errors: dict[UUID, SyncErrorRow] = field(default_factory=dict)
    # (connection, entity type, entity id) -> (tenant, external id)
    links: dict[tuple[UUID, str, UUID], tuple[TenantId, str]] = field(default_factory=dict)
    sync_jobs: dict[UUID, SyncJobRow] = field(default_factory=dict)
    # notification id -> (the sender holding it, until when)
    notification_leases: dict[UUID, tuple[str, datetime]] = field(default_factory=dict)
    branding: dict[TenantId, Branding] = field(default_factory=dict)
    logos: dict[TenantId, Logo] = field(default_factory=dict)

    def table(self, kind: type[Any]) -> dict[UUID, Any]:
        return self.rows.setdefault(kind, {})

    def write_outbox(self, tenant_id: TenantId, messages: Sequence[NewOutboxMessage]) -> None:
        """Append committed messages (their payloads already JSON, see the writer)."""
        for message in messages:
            self.outbox.append((tenant_id, message))
            self.outbox_rows.append(
                OutboxRow(
                    id=len(self.outbox_rows) + 1,
                    tenant_id=tenant_id,
                    connection_id=message.connection_id,
                    kind=message.kind,
                    aggregate_type=message.aggregate_type,
                    aggregate_id=message.aggregate_id,
                    payload=encode(message.body)[1],
                )
            )


def _contains(value: str | None, text: str) -> bool:
    return value is not None and text.lower() in value.lower()


# The tables with a ``version`` column: a concurrent edit of one of their rows is a Conflict.
VERSIONED: tuple[type[Any], ...] = (
    Organization,
    Contact,
    Connection,
    Invoice,
    Payment,
    Category,
    CatalogItem,
    Quote,
)

# The tables' unique constraints, as keys of a row; a key of None constrains nothing (NULL).
UNIQUE: dict[type[Any], tuple[Callable[[Any], Hashable | None], ...]] = {
    Tenant: (lambda t: t.name,),
    ApiKey: (lambda k: k.prefix,),
    Connection: (lambda c: (c.tenant_id, c.family) if c.enabled else None,),
    Invoice: (lambda i: (i.tenant_id, i.psa_number),),
    Payment: (lambda p: (p.tenant_id, p.idempotency_key),),
    PsaRecord: (lambda r: (r.tenant_id, r.connection_id, r.kind, r.external_id),),
    CatalogItem: (lambda i: None if i.details.sku is None else (i.tenant_id, i.details.sku),),
    Quote: (lambda q: None if q.number is None else (q.tenant_id, q.number),),
}


def _ref(name: str) -> Callable[[Any], UUID | None]:
    def value(row: Any) -> UUID | None:
        found: UUID | None = row
        for part in name.split("."):
            found = getattr(found, part)
        return found

    return value


# The tables' foreign keys: (the column, the table it refers to); NULL refers to nothing.
FOREIGN: dict[type[Any], tuple[tuple[Callable[[Any], UUID | None], type[Any]], ...]] = {
    ApiKey: ((_ref("contact_id"), Contact),),
    PortalInvitation: ((_ref("contact_id"), Contact),),
    Contact: ((_ref("organization_id"), Organization),),
    Invoice: ((_ref("organization_id"), Organization),),
    PaymentMethod: ((_ref("organization_id"), Organization),),
    Payment: (
        (_ref("invoice_id"), Invoice),
        (_ref("original_invoice_id"), Invoice),
        (_ref("pending_refund_invoice_id"), Invoice),
        (_ref("organization_id"), Organization),
        (_ref("contact_id"), Contact),
        (_ref("method_id"), PaymentMethod),
    ),
    PsaRecord: ((_ref("connection_id"), Connection), (_ref("organization_id"), Organization)),
    Category: ((_ref("parent_id"), Category),),
    CatalogItem: (
        (_ref("details.category_id"), Category),
        (_ref("details.subcategory_id"), Category),
    ),
    Quote: ((_ref("header.organization_id"), Organization), (_ref("header.contact_id"), Contact)),
}

# What an aggregate keeps for the unit of work (events, new history), not stored as columns.
_PENDING = frozenset({"_events", "_history"})


def _same(a: object, b: object) -> bool:
    """Equal as stored: value objects by their ``==``, aggregates and entities field by field."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if hasattr(a, "__dict__") and not isinstance(a, Enum) and type(a).__eq__ is object.__eq__:
        return _same(vars(a), vars(b))
    return bool(a == b)


def _changed(item: object, loaded: object) -> list[str]:
    """The fields of ``item`` that differ from what the unit of work loaded."""
    now, then = vars(item), vars(loaded)
    names = (now.keys() | then.keys()) - _PENDING
    return sorted(n for n in names if n not in now or n not in then or not _same(now[n], then[n]))


class _Repository(Generic[E]):
    kind: type[E]
    noun: str

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _visible(self) -> Iterable[E]:
        for item in self._uow.db.table(self.kind).values():
            if getattr(item, "tenant_id", getattr(item, "id", None)) == self._uow.tenant_id:
                yield item

    async def add(self, item: E) -> None:
        owner = item.id if isinstance(item, Tenant) else item.tenant_id
        if owner != self._uow.tenant_id:
            raise ValueError(f"this unit of work belongs to another tenant than the {self.noun}")
        self._uow.stage(item, new=True)

    def _load(self, item_id: UUID, *, lock: bool = False) -> E:
        """``lock``: the newest committed row, as SQL's locking read refreshes what it loaded
        (there is no waiting here: one event loop, and conflicts show at commit)."""
        staged = self._uow.staged(item_id)
        if isinstance(staged, self.kind) and not self._uow.unflushed(item_id):
            if lock:
                self._uow.refresh(staged)
            return staged
        for item in self._visible():
            if item.id == item_id and not self._uow.unflushed(item_id):
                return self._uow.stage(copy.deepcopy(item), new=False)
        raise NotFound(f"{self.noun} {item_id} not found")

    def _load_many(self, item_ids: Collection[UUID]) -> dict[Any, E]:
        """Those of the ids the tenant has (one query's worth in SQL); the unflushed left out."""
        found: dict[Any, E] = {}
        table = self._uow.db.table(self.kind)
        for item_id in item_ids:
            staged = self._uow.staged(item_id)
            visible = isinstance(staged, self.kind) or (
                (row := table.get(item_id)) is not None
                and getattr(row, "tenant_id", row.id) == self._uow.tenant_id
            )
            if visible and not self._uow.unflushed(item_id):
                found[item_id] = self._load(item_id)
        return found

    def _page(self, keep: Callable[[E], bool], page: PageRequest) -> list[E]:
        rows = sorted((i for i in self._visible() if keep(i)), key=lambda i: i.id)
        if page.after is not None:
            rows = [i for i in rows if i.id > page.after]
        return [self._uow.stage(copy.deepcopy(i), new=False) for i in rows[: page.limit + 1]]


class InMemoryOrganizationRepository(_Repository[Organization]):
    kind = Organization
    noun = "organization"

    async def get(self, organization_id: OrganizationId) -> Organization:
        return self._load(organization_id)

    async def get_many(
        self, organization_ids: Collection[OrganizationId]
    ) -> dict[OrganizationId, Organization]:
        return self._load_many(organization_ids)

    async def list(self, where: OrganizationFilter, page: PageRequest) -> list[Organization]:
        def keep(o: Organization) -> bool:
            return all(
                (
                    where.status is None or o.status is where.status,
                    where.type is None or o.type is where.type,
                    where.parent_id is None or o.parent_id == where.parent_id,
                    not where.search
                    or _contains(o.name, where.search)
                    or _contains(o.account_number, where.search),
                    where.created_from is None or o.created_at >= where.created_from,
                    where.created_to is None or o.created_at < where.created_to,
                )
            )

        return self._page(keep, page)


class InMemoryContactRepository(_Repository[Contact]):
    kind = Contact
    noun = "contact"

    async def get(self, contact_id: ContactId) -> Contact:
        return self._load(contact_id)

    async def get_many(self, contact_ids: Collection[ContactId]) -> dict[ContactId, Contact]:
        return self._load_many(contact_ids)

    async def list(self, where: ContactFilter, page: PageRequest) -> list[Contact]:
        def keep(c: Contact) -> bool:
            return all(
                (
                    where.organization_id is None or c.organization_id == where.organization_id,
                    where.active is None or c.active is where.active,
                    not where.search
                    or any(
                        _contains(v, where.search) for v in (c.first_name, c.last_name, c.email)
                    ),
                )
            )

        return self._page(keep, page)


class InMemoryApiKeyRepository(_Repository[ApiKey]):
    kind = ApiKey
    noun = "API key"

    async def get(self, key_id: ApiKeyId) -> ApiKey:
        return self._load(key_id)

    async def list(self) -> list[ApiKey]:
        return sorted((copy.deepcopy(k) for k in self._visible()), key=lambda k: k.id)

    async def of_contact(self, contact_id: ContactId) -> builtins.list[ApiKey]:
        found = [copy.deepcopy(k) for k in self._visible() if k.contact_id == contact_id]
        return sorted(found, key=lambda k: k.id)


class InMemoryPortalInvitationRepository(_Repository[PortalInvitation]):
    kind = PortalInvitation
    noun = "portal invitation"

    async def get(self, invitation_id: PortalInvitationId) -> PortalInvitation:
        return self._load(invitation_id)

    async def of_contact(self, contact_id: ContactId) -> list[PortalInvitation]:
        found = [copy.deepcopy(i) for i in self._visible() if i.contact_id == contact_id]
        return sorted(found, key=lambda i: i.id)


class InMemoryQuoteAcceptanceRepository(_Repository[QuoteAcceptance]):
    kind = QuoteAcceptance
    noun = "quote acceptance"

    async def of_quote(self, quote_id: QuoteId) -> list[QuoteAcceptance]:
        found = [copy.deepcopy(a) for a in self._visible() if a.quote_id == quote_id]
        return sorted(found, key=lambda a: a.id)


class InMemoryTenantRepository(_Repository[Tenant]):
    kind = Tenant
    noun = "tenant"

    async def add(self, item: Tenant) -> None:
        await super().add(item)
        self._uow.flush()  # the SQL repository flushes a new tenant: its rows refer to it

    async def get(self) -> Tenant:
        return self._load(self._uow.tenant_id)


class InMemoryConnectionRepository(_Repository[Connection]):
    kind = Connection
    noun = "connection"

    async def get(self, connection_id: ConnectionId) -> Connection:
        return self._load(connection_id)

    async def all(self) -> list[Connection]:
        return self._page(lambda _: True, PageRequest(limit=1000))

    async def enabled(self) -> list[Connection]:
        return self._page(lambda c: c.enabled, PageRequest(limit=1000))

    async def enabled_of(self, family: Family) -> Connection | None:
        found = self._page(lambda c: c.enabled and c.family is family, PageRequest(limit=1))
        return found[0] if found else None


class InMemoryInvoiceRepository(_Repository[Invoice]):
    kind = Invoice
    noun = "invoice"

    async def get(self, invoice_id: InvoiceId, *, lock: bool = False) -> Invoice:
        return self._load(invoice_id, lock=lock)

    async def by_psa_number(self, psa_number: str) -> Invoice | None:
        found = [i for i in self._visible() if i.psa_number == psa_number]
        return self._load(found[0].id) if found else None

    async def list(self, where: InvoiceFilter, page: PageRequest) -> list[Invoice]:
        def keep(i: Invoice) -> bool:
            return all(
                (
                    where.status is None or i.status is where.status,
                    where.organization_id is None or i.organization_id == where.organization_id,
                    where.date_from is None or i.invoice_date >= where.date_from,
                    where.date_to is None or i.invoice_date <= where.date_to,
                )
            )

        return self._page(keep, page)


class InMemoryPaymentRepository(_Repository[Payment]):
    kind = Payment
    noun = "payment"

    async def get(self, payment_id: PaymentId, *, lock: bool = False) -> Payment:
        return self._load(payment_id, lock=lock)

    async def by_idempotency_key(self, key: str) -> Payment | None:
        found = [p for p in self._visible() if p.idempotency_key == key]
        return self._load(found[0].id) if found else None

    async def on_invoice(
        self,
        invoice_id: InvoiceId,
        *,
        lock: bool = False,
    ) -> Sequence[Payment]:
        ids = sorted(p.id for p in self._visible() if p.invoice_id == invoice_id)
        return [self._load(i, lock=lock) for i in ids]

    async def history(self, payment_id: PaymentId) -> list[HistoryEntry]:
        return list(self._uow.db.history.get((self._uow.tenant_id, payment_id), []))

    async def list(self, where: PaymentFilter, page: PageRequest) -> list[Payment]:
        def keep(p: Payment) -> bool:
            return all(
                (
                    where.invoice_id is None
                    or where.invoice_id in (p.invoice_id, p.original_invoice_id),
                    where.organization_id is None or p.organization_id == where.organization_id,
                    where.status is None or p.status is where.status,
                    where.settlement is None or p.settlement is where.settlement,
                    where.refund_pending is None
                    or (p.pending_refund is not None) is where.refund_pending,
                )
            )

        return self._page(keep, page)


class InMemoryPaymentMethodRepository(_Repository[PaymentMethod]):
    kind = PaymentMethod
    noun = "payment method"

    async def get(self, method_id: PaymentMethodId) -> PaymentMethod:
        return self._load(method_id)

    async def of_organization(self, organization_id: OrganizationId) -> list[PaymentMethod]:
        found = [m for m in self._visible() if m.organization_id == organization_id and m.active]
        return [self._load(m.id) for m in sorted(found, key=lambda m: m.id)]


class InMemoryPsaRecordRepository(_Repository[PsaRecord]):
    kind = PsaRecord
    noun = "PSA record"

    async def find(
        self, connection_id: ConnectionId, kind: RecordKind, external_id: str
    ) -> PsaRecord | None:
        for record in self._visible():
            if (record.connection_id, record.kind, record.external_id) == (
                connection_id,
                kind,
                external_id,
            ):
                return self._load(record.id)
        return None

    async def find_many(
        self, connection_id: ConnectionId, kind: RecordKind, external_ids: Collection[str]
    ) -> dict[str, PsaRecord]:
        wanted = set(external_ids)
        return {
            record.external_id: self._load(record.id)
            for record in list(self._visible())
            if record.connection_id == connection_id
            and record.kind == kind
            and record.external_id in wanted
        }

    async def of_organization(
        self, organization_id: OrganizationId, kind: RecordKind | None = None
    ) -> list[PsaRecord]:
        return [
            self._load(r.id)
            for r in sorted(self._visible(), key=lambda r: r.id)
            if r.organization_id == organization_id and kind in (None, r.kind)
        ]


class InMemoryNotificationRepository(_Repository[Notification]):
    kind = Notification
    noun = "notification"

    async def exists(self, kind: NotificationKind, subject_id: UUID) -> bool:
        return any(n.kind == kind and n.subject_id == subject_id for n in self._visible())


class InMemoryCategoryRepository(_Repository[Category]):
    kind = Category
    noun = "category"

    async def get(self, category_id: CategoryId) -> Category:
        return self._load(category_id)

    async def all(self) -> list[Category]:
        return [self._load(c.id) for c in sorted(self._visible(), key=lambda c: c.name)]


class InMemoryCatalogItemRepository(_Repository[CatalogItem]):
    kind = CatalogItem
    noun = "catalog item"

    async def get(self, item_id: CatalogItemId) -> CatalogItem:
        return self._load(item_id)

    async def list(self, where: ItemFilter, page: PageRequest) -> list[CatalogItem]:
        def keep(i: CatalogItem) -> bool:
            d = i.details
            text = where.search
            return (
                where.kind in (None, d.kind)
                and where.active in (None, i.active)
                and where.category_id in (None, d.category_id)
                and (
                    not text
                    or _contains(d.sku, text)
                    or _contains(d.mpn, text)
                    or _contains(d.name, text)
                )
            )

        return self._page(keep, page)


class InMemoryQuoteRepository(_Repository[Quote]):
    kind = Quote
    noun = "quote"

    async def get(self, quote_id: QuoteId, *, lock: bool = False) -> Quote:
        return self._load(quote_id, lock=lock)

    async def list(self, where: QuoteFilter, page: PageRequest) -> list[Quote]:
        def keep(q: Quote) -> bool:
            text = where.search
            return (
                where.organization_id in (None, q.header.organization_id)
                and where.status in (None, q.status)
                and (where.expires_before is None or q.header.expires_on < where.expires_before)
                and (where.expires_from is None or q.header.expires_on >= where.expires_from)
                and (not text or _contains(q.number, text) or _contains(q.header.title, text))
            )

        return self._page(keep, page)

    async def count(self) -> int:
        return sum(1 for _ in self._visible())


class InMemoryQuotePushRepository:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def save(self, push: QuotePush) -> None:
        key = (self._uow.tenant_id, push.quote_id, push.connection_id)
        self._uow.new_pushes[key] = push

    async def of_quote(self, quote_id: QuoteId) -> list[QuotePush]:
        pushes = {**self._uow.db.quote_pushes, **self._uow.new_pushes}
        return sorted(
            (p for (t, q, _), p in pushes.items() if t == self._uow.tenant_id and q == quote_id),
            key=lambda p: p.pushed_at,
        )


class InMemoryLinkRepository:
    """The unit of work's links (INT-4): read from what is committed, written on commit."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def linked(
        self, connection_id: ConnectionId, entity_type: str, external_ids: Collection[str]
    ) -> dict[str, UUID]:
        wanted = set(external_ids)
        return {
            external: entity_id
            for (connection, kind, entity_id), (tenant, external) in self._uow.db.links.items()
            if (connection, kind, tenant) == (connection_id, entity_type, self._uow.tenant_id)
            and external in wanted
        }

    async def external_ids(
        self, connection_id: ConnectionId, entity_type: str, entity_ids: Collection[UUID]
    ) -> dict[UUID, str]:
        links, tenant_id = self._uow.db.links, self._uow.tenant_id
        found = {i: links.get((connection_id, entity_type, i)) for i in entity_ids}
        return {i: link[1] for i, link in found.items() if link and link[0] == tenant_id}

    async def add(
        self, connection_id: ConnectionId, links: Sequence[tuple[str, UUID, str]]
    ) -> None:
        self._uow.new_links += [(connection_id, *link) for link in links]


class InMemorySyncJobCheckpoints:
    """A pull's checkpoint, written on commit with the page it follows."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def checkpoint(
        self,
        job_id: UUID,
        owner: str,
        checkpoint: str | None,
        records: int,
        lease_until: datetime,
    ) -> None:
        self._uow.new_checkpoints.append((job_id, owner, checkpoint, records, lease_until))


_UNSET = object()


class InMemoryBrandingRepository:
    """Changes wait in the unit of work until its commit, as the SQL rows do."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow
        self.new_branding: Branding | None = None
        self.new_logo: object = _UNSET  # a Logo, None (removed), or nothing asked

    async def get(self) -> Branding | None:
        return self.new_branding or self._uow.db.branding.get(self._uow.tenant_id)

    async def save(self, branding: Branding) -> None:
        self.new_branding = branding

    async def logo(self) -> Logo | None:
        if self.new_logo is not _UNSET:
            return self.new_logo  # type: ignore[return-value]
        return self._uow.db.logos.get(self._uow.tenant_id)

    async def save_logo(self, logo: Logo | None) -> None:
        self.new_logo = logo

    def write(self) -> None:
        tenant = self._uow.tenant_id
        if self.new_branding is not None:
            self._uow.db.branding[tenant] = self.new_branding
        if isinstance(self.new_logo, Logo):
            self._uow.db.logos[tenant] = self.new_logo
        elif self.new_logo is None:
            self._uow.db.logos.pop(tenant, None)
        self.forget()

    def forget(self) -> None:
        self.new_branding, self.new_logo = None, _UNSET


class InMemoryOutboxWriter:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def add(self, message: NewOutboxMessage) -> None:
        """The message goes through the codec and JSON now, as the database's insert takes it."""
        kind, payload = encode(message.body)
        stored = decode(kind, json.loads(json.dumps(payload)))
        self._uow.new_messages.append(replace(message, body=stored))


async def _no_policy(_uow: UnitOfWork, _events: Sequence[DomainEvent]) -> list[NewOutboxMessage]:
    return []


class InMemoryUnitOfWork:
    def __init__(
        self,
        db: InMemoryDatabase,
        tenant_id: TenantId,
        policy: SyncPolicy = _no_policy,
        origin: ConnectionId | None = None,
    ) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.origin = origin
        self._policy = policy
        self.new_messages: list[NewOutboxMessage] = []
        # id -> (the object, the version it was read at, a copy as loaded); new: (obj, None, None)
        self._staged: dict[UUID, tuple[Any, int | None, Any]] = {}
        self._flushed: set[UUID] = set()  # added here and flushed: visible to get
        self._events: list[DomainEvent] = []
        self.tenants = InMemoryTenantRepository(self)
        self.api_keys = InMemoryApiKeyRepository(self)
        self.portal_invitations = InMemoryPortalInvitationRepository(self)
        self.quote_acceptances = InMemoryQuoteAcceptanceRepository(self)
        self.organizations = InMemoryOrganizationRepository(self)
        self.contacts = InMemoryContactRepository(self)
        self.connections = InMemoryConnectionRepository(self)
        self.outbox = InMemoryOutboxWriter(self)
        self.invoices = InMemoryInvoiceRepository(self)
        self.payments = InMemoryPaymentRepository(self)
        self.payment_methods = InMemoryPaymentMethodRepository(self)
        self.psa_records = InMemoryPsaRecordRepository(self)
        self.notifications = InMemoryNotificationRepository(self)
        self.categories = InMemoryCategoryRepository(self)
        self.catalog_items = InMemoryCatalogItemRepository(self)
        self.quotes = InMemoryQuoteRepository(self)
        self.quote_pushes = InMemoryQuotePushRepository(self)
        self.branding = InMemoryBrandingRepository(self)
        self.new_pushes: dict[tuple[TenantId, UUID, UUID], QuotePush] = {}
        self.links = InMemoryLinkRepository(self)
        self.sync_jobs = InMemorySyncJobCheckpoints(self)
        self.new_links: list[tuple[ConnectionId, str, UUID, str]] = []
        self.new_checkpoints: list[tuple[UUID, str, str | None, int, datetime]] = []

    def staged(self, item_id: UUID) -> object | None:
        found = self._staged.get(item_id)
        return None if found is None else found[0]

    def stage(self, item: E, *, new: bool) -> E:
        if item.id in self._staged:
            staged: E = self._staged[item.id][0]
            return staged
        if new:
            self._staged[item.id] = (item, None, None)
        else:
            self._staged[item.id] = (item, self.db.versions.get(item.id, 0), copy.deepcopy(item))
        return item

    def unflushed(self, item_id: UUID) -> bool:
        """Added and not yet written: SQL's queries do not see it (no autoflush) until the
        commit flushes it, before the sync policy reads."""
        return (
            item_id in self._staged
            and item_id not in self._flushed
            and (self._staged[item_id][2] is None)
        )

    def flush(self) -> None:
        self._flushed |= {i for i, (_, _, loaded) in self._staged.items() if loaded is None}

    def refresh(self, item: Any) -> None:
        """Reload a loaded object from its committed row, its unsaved changes dropped."""
        loaded = self._staged[item.id][2]
        stored = self.db.table(type(item)).get(item.id)
        if loaded is None or stored is None:
            return  # added here: not in the table yet
        for name, value in vars(stored).items():
            if name not in _PENDING:
                item.__dict__[name] = copy.deepcopy(value)
        self._staged[item.id] = (item, self.db.versions.get(item.id, 0), copy.deepcopy(item))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        events = [e for item, _, _ in self._staged.values() for e in item.pull_events()]
        try:
            self._check()  # as SQL flushes before the policy reads what is being committed
            self.flush()
            if events:
                for message in await self._policy(self, events):
                    await self.outbox.add(message)
            writes = self._check()
        except Conflict:
            await self.rollback()
            raise
        for item, _, _ in self._staged.values():
            if isinstance(item, Payment):
                entries = item.pull_history()
                self.db.history.setdefault((item.tenant_id, item.id), []).extend(entries)
        for item, changed in writes:
            table = self.db.table(type(item))
            if changed is None:
                table[item.id] = copy.deepcopy(item)
            else:  # only what changed, as an UPDATE of the changed columns
                stored = table[item.id]
                for name in changed:
                    stored.__dict__[name] = copy.deepcopy(item.__dict__[name])
            self.db.versions[item.id] = self.db.versions.get(item.id, 0) + 1
        self.db.write_outbox(self.tenant_id, self.new_messages)
        self.db.quote_pushes.update(self.new_pushes)
        self.new_pushes.clear()
        self._write_links_and_checkpoints()
        self.branding.write()
        self._events.extend(events)
        self.new_messages.clear()
        # As a session after commit: what was loaded stays tracked, as of what is now stored.
        for item_id, (item, _, _) in list(self._staged.items()):
            self._staged[item_id] = (item, self.db.versions.get(item_id, 0), copy.deepcopy(item))

    def _write_links_and_checkpoints(self) -> None:
        """As SQL's ``INSERT … ON CONFLICT DO NOTHING`` and the lease-checked ``UPDATE``."""
        for connection_id, entity_type, entity_id, external_id in self.new_links:
            taken = any(
                (connection, kind, external) == (connection_id, entity_type, external_id)
                for (connection, kind, _), (_, external) in self.db.links.items()
            )
            key = (connection_id, entity_type, entity_id)
            if not taken and key not in self.db.links:
                self.db.links[key] = (self.tenant_id, external_id)
        for job_id, owner, checkpoint, records, lease_until in self.new_checkpoints:
            row = self.db.sync_jobs.get(job_id)
            if row is not None and row.tenant_id == self.tenant_id and row.lease_owner == owner:
                row.checkpoint, row.records = checkpoint, row.records + records
                row.lease_until = lease_until
        self.new_links.clear()
        self.new_checkpoints.clear()

    def _check(self) -> list[tuple[Any, list[str] | None]]:
        """What the commit would write, once the database would take it (else Conflict)."""
        writes = self._writes()
        self._check_unique(writes)
        self._check_references(writes)
        return writes

    def _writes(self) -> list[tuple[Any, list[str] | None]]:
        """What to write: new objects whole (None), loaded ones by their changed fields."""
        writes: list[tuple[Any, list[str] | None]] = []
        for item_id, (item, read_version, loaded) in self._staged.items():
            if loaded is None:
                if item_id in self.db.table(type(item)):
                    raise Conflict("the change conflicts with existing data: the id exists")
                writes.append((item, None))
                continue
            changed = _changed(item, loaded)
            if not changed:
                continue  # only read: nothing written, nothing to conflict with
            if isinstance(item, VERSIONED) and self.db.versions.get(item_id, 0) != read_version:
                raise ChangedMeanwhile()
            writes.append((item, changed))
        return writes

    def _check_references(self, writes: list[tuple[Any, list[str] | None]]) -> None:
        """Every row written refers to rows that exist, its tenant first (any tenant's row
        satisfies a foreign key, as in SQL; the repositories keep tenants apart)."""
        written = {item.id for item, _ in writes}

        def exists(kind: type[Any], row_id: UUID) -> bool:
            return row_id in self.db.table(kind) or (
                row_id in written and isinstance(self._staged[row_id][0], kind)
            )

        missing = [
            f"{kind.__name__} {row_id}"
            for item, _ in writes
            for value, kind in (
                *(() if isinstance(item, Tenant) else ((_ref("tenant_id"), Tenant),)),
                *FOREIGN.get(type(item), ()),
            )
            if (row_id := value(item)) is not None and not exists(kind, row_id)
        ]
        missing += [
            f"{kind.__name__} {row_id}"
            for push in self.new_pushes.values()
            for row_id, kind in ((push.quote_id, Quote), (push.connection_id, Connection))
            if not exists(kind, row_id)
        ]
        missing += [
            f"Connection {connection_id}"
            for connection_id in (
                *(m.connection_id for m in self.new_messages),
                *(link[0] for link in self.new_links),
            )
            if not exists(Connection, connection_id)
        ]
        if missing:
            raise Conflict(f"the change conflicts with existing data: no {missing[0]}")

    def _check_unique(self, writes: list[tuple[Any, list[str] | None]]) -> None:
        for kind in {type(item) for item, _ in writes}:
            keys = UNIQUE.get(kind, ())
            if not keys:
                continue
            rows = {**self.db.table(kind), **{i.id: i for i, _ in writes if type(i) is kind}}
            for key in keys:
                seen: set[Hashable] = set()
                for row in rows.values():
                    value = key(row)
                    if value is None:
                        continue
                    if value in seen:
                        raise Conflict("the change conflicts with existing data: a unique value")
                    seen.add(value)

    async def rollback(self) -> None:
        self._staged.clear()
        self._flushed.clear()
        self.new_messages.clear()
        self.new_pushes.clear()
        self.new_links.clear()
        self.new_checkpoints.clear()
        self.branding.forget()

    def collect_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events


class InMemoryUnitOfWorkFactory:
    def __init__(self, db: InMemoryDatabase, policy: SyncPolicy = _no_policy) -> None:
        self.db = db
        self._policy = policy

    def __call__(
        self, tenant_id: TenantId, *, origin: ConnectionId | None = None
    ) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.db, tenant_id, self._policy, origin)


class InMemoryDirectory:
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def find_api_key(self, prefix: str) -> FoundKey | None:
        keys = self._db.table(ApiKey).values()
        key = next((copy.deepcopy(k) for k in keys if k.prefix == prefix), None)
        if key is None:
            return None
        contact = self._db.table(Contact).get(key.contact_id) if key.contact_id else None
        if contact is None or contact.tenant_id != key.tenant_id:
            return FoundKey(key)
        organization = self._db.table(Organization).get(contact.organization_id)
        active = contact.active and organization is not None and organization.active
        return FoundKey(key, PortalHolder(contact.organization_id, active))

    async def find_tenant(self, name: str) -> Tenant | None:
        tenants = self._db.table(Tenant).values()
        return next((copy.deepcopy(t) for t in tenants if t.name == name), None)

    async def tenant_of_connection(self, connection_id: UUID) -> TenantId | None:
        found = self._db.table(Connection).get(connection_id)
        return None if found is None else TenantId(found.tenant_id)

    async def any_tenant(self) -> bool:
        return bool(self._db.table(Tenant))


class InMemoryProbe:
    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
