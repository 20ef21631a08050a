"""Quotes and the tenant's PSA, over the in-memory fakes and fakes of the quoting ports.

Publishing refuses what the PSA's rules refuse before any call (AT-1) and writes its outbox
message in the same commit (INT-5, QUO-3, QUO-4); the worker's deliverers push the newest revision
once (QUO-6) and move the opportunity on won or lost; the selector and product cloud search the
enabled PSA (QUO-5, CAT-2, PAY-14); a PSA's settings policy defaults and checks its settings
(KBMS-2).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from adapters.persistence.memory import InMemoryDatabase, InMemoryUnitOfWorkFactory
from application.integrations.appliers import ORGANIZATION
from application.integrations.connections import (
    ConnectionChanges,
    ConnectionConfigs,
    ConnectionQueries,
    ConnectSystem,
    NewConnection,
    UpdateConnection,
)
from application.integrations.messages import QUOTE_OUTCOME, QUOTE_PUSH, QuoteOutcome, encode
from application.integrations.messages import QuotePush as QuotePushMessage
from application.integrations.outbox import NewOutboxMessage
from application.integrations.policies import combine, sync_policy
from application.integrations.ports import (
    ConnectionConfig,
    CredentialVault,
    ExternalLinks,
    OutboxMessage,
    SettingsPolicy,
    VendorRejected,
)
from application.quotes.policies import QUOTE, quote_policy
from application.quotes.ports import (
    OpportunitySearch,
    Outcome,
    Problem,
    PsaContact,
    PsaItem,
    PsaOpportunity,
    PsaQuoting,
    PublishResult,
    QuoteDocuments,
)
from application.quotes.publishing import PushQuote, SetQuoteOutcome
from application.quotes.repositories import QuotePush
from application.quotes.search import NoPsa, PsaSearch
from application.quotes.snapshot import QuoteSnapshot
from application.quotes.use_cases import LoseQuote, PublishQuote, WinQuote
from application.shared.errors import Conflict
from domain.catalog.item import ItemKind
from domain.identity.tenant import TenantId
from domain.integrations.connection import (
    Connection,
    ConnectionId,
    SealedCredentials,
    System,
    mask,
)
from domain.quotes.quote import Quote, QuoteId, QuoteStatus
from domain.shared.errors import DomainError, InvalidValue
from tests.support.clock import FixedClock
from tests.support.memory import with_tenants
from tests.unit.application.test_quote_use_cases import (
    NOW,
    TENANT_A,
    Desk,
    ad_hoc,
    draft,
    open_desk,
    stored,
)

PUSHED = PublishResult(
    opportunity_ref="OPP-7001",
    quote_ref="PQ-8001",
    attachment_ref="ATT-9001",
    warnings=("line 2: the PSA's price differs",),
)
NO_PHONE = Problem(
    rule="AT-1", field="organization.phone", message="the organization needs a phone number"
)
AUTOTASK_CREDENTIALS = {"username": "api@msp.example", "secret": "s3cret", "integration_code": "X"}
KASEYA_CREDENTIALS = {"tenant": "msp", "username": "api", "password": "pa55word"}


# --- fakes of the ports -------------------------------------------------------------------------


class PlainVault:
    """Seals credentials as JSON: the vault's contract without cryptography."""

    def seal(self, credentials: Mapping[str, str]) -> SealedCredentials:
        masked = {key: mask(value) for key, value in credentials.items()}
        return SealedCredentials(json.dumps(dict(credentials)).encode(), masked)

    def open(self, sealed: SealedCredentials) -> dict[str, str]:
        opened: dict[str, str] = json.loads(sealed.ciphertext)
        return opened


@dataclass
class FakePsaQuoting:
    """A PSA that refuses with ``problems`` and records every call it gets."""

    problems: list[Problem] = field(default_factory=list)
    opportunities: list[PsaOpportunity] = field(default_factory=list)
    contacts: list[PsaContact] = field(default_factory=list)
    items: list[PsaItem] = field(default_factory=list)
    checked: list[QuoteSnapshot] = field(default_factory=list)
    published: list[tuple[QuoteSnapshot, bytes, ConnectionConfig]] = field(default_factory=list)
    outcomes: list[tuple[QuoteSnapshot, Outcome]] = field(default_factory=list)
    searches: list[tuple[str, object]] = field(default_factory=list)
    connections: list[ConnectionId] = field(default_factory=list)  # asked through, in order

    def _through(self, connection: ConnectionConfig) -> None:
        assert connection.credentials == AUTOTASK_CREDENTIALS  # opened for the adapter
        self.connections.append(connection.connection_id)

    def check(self, quote: QuoteSnapshot, connection: ConnectionConfig) -> Sequence[Problem]:
        self._through(connection)
        self.checked.append(quote)
        return list(self.problems)

    async def publish(
        self, quote: QuoteSnapshot, pdf: bytes, connection: ConnectionConfig
    ) -> PublishResult:
        self._through(connection)
        self.published.append((quote, pdf, connection))
        return PUSHED

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, connection: ConnectionConfig
    ) -> None:
        self._through(connection)
        self.outcomes.append((quote, outcome))

    async def search_opportunities(
        self, search: OpportunitySearch, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        self._through(connection)
        self.searches.append(("opportunities", search))
        return list(self.opportunities)

    async def search_contacts(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaContact]:
        self._through(connection)
        self.searches.append(("contacts", (text, limit)))
        return list(self.contacts)

    async def search_items(
        self, text: str, connection: ConnectionConfig, *, limit: int = 25
    ) -> list[PsaItem]:
        self._through(connection)
        self.searches.append(("items", (text, limit)))
        return list(self.items)

    async def open_opportunities(
        self, company_ref: str, connection: ConnectionConfig
    ) -> list[PsaOpportunity]:
        self._through(connection)
        self.searches.append(("open", company_ref))
        return list(self.opportunities)


@dataclass
class FakeQuoteDocuments:
    rendered: list[QuoteSnapshot] = field(default_factory=list)

    def render(self, quote: QuoteSnapshot) -> bytes:
        self.rendered.append(quote)
        return pdf_of(quote)


def pdf_of(quote: QuoteSnapshot) -> bytes:
    return f"%PDF {quote.number} r{quote.revision}".encode()


@dataclass
class FakeExternalLinks:
    links: dict[tuple[ConnectionId, str, uuid.UUID], str] = field(default_factory=dict)

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: uuid.UUID
    ) -> str | None:
        return self.links.get((connection_id, entity_type, entity_id))

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> uuid.UUID | None:
        found = (k for k, v in self.links.items() if k[:2] == (connection_id, entity_type))
        return next((k[2] for k in found if self.links[k] == external_id), None)

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: uuid.UUID, external_id: str
    ) -> None:
        self.links[(connection_id, entity_type, entity_id)] = external_id


# --- the hub: the desk, its PSA and the deliverers ----------------------------------------------


@dataclass(frozen=True)
class Hub:
    desk: Desk
    psa: FakePsaQuoting
    documents: FakeQuoteDocuments
    links: FakeExternalLinks
    configs: ConnectionConfigs
    publish: PublishQuote
    win: WinQuote
    lose: LoseQuote
    push: PushQuote
    set_outcome: SetQuoteOutcome
    search: PsaSearch

    @property
    def tenant(self) -> TenantId:
        return self.desk.tenant

    @property
    def db(self) -> InMemoryDatabase:
        return self.desk.db


@pytest.fixture
async def hub() -> Hub:
    desk = await open_desk(InMemoryDatabase(), combine(sync_policy, quote_policy))
    uow, clock = desk.uow, desk.clock
    psa, documents, links = FakePsaQuoting(), FakeQuoteDocuments(), FakeExternalLinks()
    vault: CredentialVault = PlainVault()
    configs = ConnectionConfigs(uow, vault)
    quoting: dict[System, PsaQuoting] = {System.AUTOTASK: psa}
    docs: QuoteDocuments = documents
    found: ExternalLinks = links
    args = (uow, clock, uuid.uuid4)
    return Hub(
        desk,
        psa,
        documents,
        links,
        configs,
        PublishQuote(*args, configs, quoting),
        WinQuote(*args),
        LoseQuote(*args),
        PushQuote(uow, clock, psa, docs),
        SetQuoteOutcome(uow, clock, psa),
        PsaSearch(uow, configs, quoting, found),
    )


async def connect(
    hub: Hub, system: System = System.AUTOTASK, *, enabled: bool = True
) -> Connection:
    """A connection stored as it is, without the connect use case's defaults."""
    credentials = AUTOTASK_CREDENTIALS if system is System.AUTOTASK else KASEYA_CREDENTIALS
    connection = Connection(
        id=ConnectionId(uuid.uuid4()),
        tenant_id=hub.tenant,
        system=system,
        name=str(system),
        base_url=f"https://{system}.example",
        credentials=PlainVault().seal(credentials),
        settings={},
        now=NOW,
    )
    if not enabled:
        connection.disable(NOW)
    async with hub.desk.uow(hub.tenant) as uow:
        await uow.connections.add(connection)
        await uow.commit()
    return connection


def quote_messages(hub: Hub) -> list[NewOutboxMessage]:
    return [m for _, m in hub.db.outbox if m.aggregate_type == QUOTE]


def claimed(hub: Hub, kind: str) -> list[OutboxMessage]:
    """The outbox messages of one kind as the worker would claim them."""
    return [
        OutboxMessage(
            id=n,
            tenant_id=tenant,
            connection_id=m.connection_id,
            kind=m.kind,
            aggregate_type=m.aggregate_type,
            aggregate_id=m.aggregate_id,
            payload=encode(m.body)[1],
        )
        for n, (tenant, m) in enumerate(hub.db.outbox, start=1)
        if m.kind == kind
    ]


async def published(hub: Hub) -> tuple[Quote, Connection]:
    """A quote published to the enabled Autotask connection, its push not yet delivered."""
    connection = await connect(hub)
    quote = await draft(hub.desk)
    return await hub.publish(hub.tenant, quote.id), connection


async def deliver_push(hub: Hub, connection: Connection, message: OutboxMessage) -> None:
    await hub.push.deliver(message, hub.configs.of(connection))


async def pushes(hub: Hub, quote_id: QuoteId) -> list[QuotePush]:
    return (await hub.desk.queries.one(hub.tenant, quote_id)).pushes


# --- PublishQuote and the policy's outbox messages (QUO-3, QUO-4, AT-1, INT-5) ------------------


async def test_without_a_psa_a_quote_publishes_with_no_message(hub: Hub) -> None:
    quote = await draft(hub.desk)
    returned = await hub.publish(hub.tenant, quote.id)
    read = await stored(hub.desk, quote.id)  # QUO-1
    assert (returned.status, read.status, read.revision) == (
        QuoteStatus.PUBLISHED,
        QuoteStatus.PUBLISHED,
        1,
    )
    assert quote_messages(hub) == []
    assert hub.psa.checked == []


async def test_a_psa_rule_refuses_publishing_and_the_quote_stays_draft(hub: Hub) -> None:
    await connect(hub)
    hub.psa.problems = [NO_PHONE]
    quote = await draft(hub.desk)
    with pytest.raises(InvalidValue) as caught:  # AT-1: refused before any call
        await hub.publish(hub.tenant, quote.id)
    assert (caught.value.rule, caught.value.field) == ("AT-1", "organization.phone")
    assert "phone number" in caught.value.message
    read = await stored(hub.desk, quote.id)
    assert (read.status, read.revision) == (QuoteStatus.DRAFT, 0)
    assert quote_messages(hub) == []
    assert hub.psa.published == []


async def test_every_problem_is_told_and_the_first_names_the_field(hub: Hub) -> None:
    await connect(hub)
    hub.psa.problems = [
        NO_PHONE,
        Problem(rule="AT-1", field="contact_id", message="the quote needs a contact"),
    ]
    quote = await draft(hub.desk)
    with pytest.raises(InvalidValue) as caught:  # AT-1: names what is missing
        await hub.publish(hub.tenant, quote.id)
    assert caught.value.field == "organization.phone"
    assert "phone number" in caught.value.message
    assert "needs a contact" in caught.value.message


async def test_the_psa_checks_a_snapshot_of_the_quote_and_its_parties(hub: Hub) -> None:
    await connect(hub)
    quote = await draft(hub.desk)
    await hub.publish(hub.tenant, quote.id)
    [checked] = hub.psa.checked  # AT-1 reads the organization's phone
    assert (checked.id, checked.number) == (quote.id, "Q-1001")
    assert checked.organization.phone == "+1 510 555 0142"


async def test_publishing_writes_one_push_message_to_the_psa_in_the_same_commit(hub: Hub) -> None:
    quote, connection = await published(hub)
    assert quote.status is QuoteStatus.PUBLISHED
    assert quote_messages(hub) == [  # INT-5, QUO-3
        NewOutboxMessage(connection.id, QUOTE, quote.id, QuotePushMessage(quote.id, 1))
    ]
    assert encode(quote_messages(hub)[0].body) == (
        QUOTE_PUSH,
        {"quote_id": str(quote.id), "revision": 1},
    )
    assert [tenant for tenant, _ in hub.db.outbox] == [TENANT_A]


async def test_publishing_again_writes_a_message_for_the_new_revision(hub: Hub) -> None:
    quote, _ = await published(hub)
    await hub.desk.add_line(hub.tenant, quote.id, ad_hoc("Cabling", "80.00"))
    await hub.publish(hub.tenant, quote.id)
    assert [encode(m.body)[1]["revision"] for m in quote_messages(hub)] == [1, 2]  # QUO-3


@pytest.mark.parametrize(("decide", "outcome"), [("win", "won"), ("lose", "lost")])
async def test_winning_or_losing_writes_an_outcome_message(
    hub: Hub, decide: str, outcome: str
) -> None:
    quote, connection = await published(hub)
    decided = await (hub.win if decide == "win" else hub.lose)(hub.tenant, quote.id)
    assert decided.status is QuoteStatus(outcome)
    assert quote_messages(hub)[-1] == NewOutboxMessage(  # QUO-4
        connection.id, QUOTE, quote.id, QuoteOutcome(quote.id, outcome)
    )
    assert encode(quote_messages(hub)[-1].body) == (
        QUOTE_OUTCOME,
        {"quote_id": str(quote.id), "outcome": outcome},
    )
    assert len(quote_messages(hub)) == 2


async def test_a_disabled_psa_gets_no_message_and_checks_nothing(hub: Hub) -> None:
    await connect(hub, enabled=False)
    hub.psa.problems = [NO_PHONE]
    quote = await draft(hub.desk)
    await hub.publish(hub.tenant, quote.id)
    await hub.win(hub.tenant, quote.id)
    assert (await stored(hub.desk, quote.id)).status is QuoteStatus.WON
    assert quote_messages(hub) == []
    assert hub.psa.checked == []


async def test_a_system_other_than_a_psa_gets_no_quote_message(hub: Hub) -> None:
    async with hub.desk.uow(hub.tenant) as uow:
        books = Connection(
            id=ConnectionId(uuid.uuid4()),
            tenant_id=hub.tenant,
            system=System.QUICKBOOKS,
            name="Books",
            base_url="https://quickbooks.example",
            credentials=PlainVault().seal({}),
            settings={},
            now=NOW,
        )
        await uow.connections.add(books)
        await uow.commit()
    quote = await draft(hub.desk)
    await hub.publish(hub.tenant, quote.id)
    assert quote_messages(hub) == []


async def test_a_refused_win_writes_no_message(hub: Hub) -> None:
    await connect(hub)
    quote = await draft(hub.desk)
    with pytest.raises(DomainError) as caught:  # QUO-1: only a published quote is won
        await hub.win(hub.tenant, quote.id)
    assert caught.value.code == "quote_not_published"
    assert quote_messages(hub) == []


# --- PushQuote: the worker pushes the newest revision (QUO-3, QUO-6) ----------------------------


async def test_push_sends_the_current_snapshot_with_its_pdf(hub: Hub) -> None:
    quote, connection = await published(hub)
    [message] = claimed(hub, QUOTE_PUSH)
    await deliver_push(hub, connection, message)
    [(snapshot, pdf, config)] = hub.psa.published  # QUO-3
    assert (snapshot.id, snapshot.revision, snapshot.status) == (quote.id, 1, "published")
    assert (snapshot.issued_on, snapshot.organization.name) == (NOW.date(), "Bayside Dental")
    assert pdf == pdf_of(snapshot) == b"%PDF Q-1001 r1"  # QUO-7: the hub's PDF goes with it
    assert hub.documents.rendered == [snapshot]
    assert config.connection_id == connection.id
    assert hub.psa.connections == [
        connection.id,
        connection.id,
        connection.id,
    ]  # checks, then the push


async def test_push_records_where_the_quote_landed(hub: Hub) -> None:
    quote, connection = await published(hub)
    [message] = claimed(hub, QUOTE_PUSH)
    await deliver_push(hub, connection, message)
    assert await pushes(hub, quote.id) == [  # QUO-6: the refs a later push updates; KBMS-3
        QuotePush(
            quote_id=quote.id,
            connection_id=connection.id,
            revision=1,
            opportunity_ref="OPP-7001",
            quote_ref="PQ-8001",
            warnings=("line 2: the PSA's price differs",),
            pushed_at=NOW,
            outcome=None,
        )
    ]


async def test_a_message_for_an_older_revision_makes_no_call(hub: Hub) -> None:
    quote, connection = await published(hub)
    await hub.desk.add_line(hub.tenant, quote.id, ad_hoc("Cabling", "80.00"))
    await hub.publish(hub.tenant, quote.id)
    first, second = claimed(hub, QUOTE_PUSH)
    await deliver_push(hub, connection, first)
    assert hub.psa.published == []  # QUO-6: superseded by revision 2's message
    assert await pushes(hub, quote.id) == []
    await deliver_push(hub, connection, second)
    assert [(s.revision, len(s.lines)) for s, _, _ in hub.psa.published] == [(2, 2)]
    assert [p.revision for p in await pushes(hub, quote.id)] == [2]


async def test_pushing_the_same_message_twice_keeps_one_record(hub: Hub) -> None:
    quote, connection = await published(hub)
    [message] = claimed(hub, QUOTE_PUSH)
    await deliver_push(hub, connection, message)
    await deliver_push(hub, connection, message)  # a redelivery after a crash (QUO-6)
    assert len(hub.psa.published) == 2  # the adapter is idempotent, the hub asks again
    assert len(await pushes(hub, quote.id)) == 1


async def test_a_psa_rule_at_delivery_is_rejected_without_a_call(hub: Hub) -> None:
    quote, connection = await published(hub)
    hub.psa.problems = [
        Problem(rule="KBMS-7", field="expires_on", message="expired quotes are not pushed")
    ]
    [message] = claimed(hub, QUOTE_PUSH)
    with pytest.raises(VendorRejected) as caught:  # KBMS-7, AT-1: a sync error naming the rule
        await deliver_push(hub, connection, message)
    assert "KBMS-7" in caught.value.message
    assert "expired quotes are not pushed" in caught.value.message
    assert (hub.psa.published, hub.documents.rendered) == ([], [])
    assert await pushes(hub, quote.id) == []


async def test_a_message_for_an_unknown_quote_makes_no_call(hub: Hub) -> None:
    _, connection = await published(hub)
    [message] = claimed(hub, QUOTE_PUSH)
    gone = OutboxMessage(
        id=99,
        tenant_id=message.tenant_id,
        connection_id=message.connection_id,
        kind=QUOTE_PUSH,
        aggregate_type=QUOTE,
        aggregate_id=uuid.uuid4(),
        payload={"quote_id": str(uuid.uuid4()), "revision": 1},
    )
    await deliver_push(hub, connection, gone)
    assert hub.psa.published == []


async def test_a_deliverer_refuses_another_kind_of_message(hub: Hub) -> None:
    quote, connection = await published(hub)
    await hub.win(hub.tenant, quote.id)
    [outcome] = claimed(hub, QUOTE_OUTCOME)
    with pytest.raises(VendorRejected):
        await deliver_push(hub, connection, outcome)
    assert hub.psa.published == []


# --- SetQuoteOutcome: won or lost moves the opportunity (QUO-4) ---------------------------------


async def test_an_outcome_before_any_push_is_rejected(hub: Hub) -> None:
    quote, connection = await published(hub)
    await hub.win(hub.tenant, quote.id)
    [message] = claimed(hub, QUOTE_OUTCOME)
    with pytest.raises(VendorRejected, match="never pushed"):  # QUO-4
        await hub.set_outcome.deliver(message, hub.configs.of(connection))
    assert hub.psa.outcomes == []


@pytest.mark.parametrize(("decide", "outcome"), [("win", Outcome.WON), ("lose", Outcome.LOST)])
async def test_an_outcome_after_a_push_moves_the_opportunity(
    hub: Hub, decide: str, outcome: Outcome
) -> None:
    quote, connection = await published(hub)
    await deliver_push(hub, connection, claimed(hub, QUOTE_PUSH)[0])
    await (hub.win if decide == "win" else hub.lose)(hub.tenant, quote.id)
    [message] = claimed(hub, QUOTE_OUTCOME)
    await hub.set_outcome.deliver(message, hub.configs.of(connection))
    assert [(s.id, o) for s, o in hub.psa.outcomes] == [(quote.id, outcome)]  # QUO-4
    [push] = await pushes(hub, quote.id)
    assert (push.outcome, push.opportunity_ref, push.revision) == (outcome.value, "OPP-7001", 1)


async def test_a_push_to_another_connection_does_not_count(hub: Hub) -> None:
    quote, connection = await published(hub)
    await deliver_push(hub, connection, claimed(hub, QUOTE_PUSH)[0])
    await hub.win(hub.tenant, quote.id)
    [message] = claimed(hub, QUOTE_OUTCOME)
    elsewhere = ConnectionId(uuid.uuid4())
    moved = OutboxMessage(
        id=message.id,
        tenant_id=message.tenant_id,
        connection_id=elsewhere,
        kind=message.kind,
        aggregate_type=message.aggregate_type,
        aggregate_id=message.aggregate_id,
        payload=message.payload,
    )
    with pytest.raises(VendorRejected, match="never pushed"):
        await hub.set_outcome.deliver(moved, hub.configs.of(connection))


# --- PsaSearch: the selector, the product cloud, the portal (QUO-5, CAT-2, PAY-14) --------------


OPPORTUNITY = PsaOpportunity(external_id="OPP-1", title="Network refresh", company_ref="C-42")
SWITCH = PsaItem(
    external_id="29683001",
    kind=ItemKind.PRODUCT,
    source_kind="product",
    name="Aruba 6100 switch",
    unit_price=Decimal("610.00"),
)


@pytest.mark.parametrize("state", ["none", "disabled", "no-adapter"])
async def test_without_an_enabled_psa_that_quotes_the_search_says_so(hub: Hub, state: str) -> None:
    if state == "disabled":
        await connect(hub, enabled=False)
    elif state == "no-adapter":
        await connect(hub, System.KASEYA_BMS)  # enabled, but no PsaQuoting for it here
    with pytest.raises(NoPsa) as caught:  # QUO-5
        await hub.search.opportunities(hub.tenant, "refresh")
    assert isinstance(caught.value, Conflict)
    with pytest.raises(NoPsa):  # CAT-2
        await hub.search.items(hub.tenant, "switch")


async def test_opportunities_of_an_organization_not_in_the_psa_are_none(hub: Hub) -> None:
    await connect(hub)
    hub.psa.opportunities = [OPPORTUNITY]
    found = await hub.search.opportunities(hub.tenant, None, hub.desk.organization.id)
    assert found == []  # QUO-5: nothing to pick before the organization is in the PSA
    assert hub.psa.searches == []


async def test_opportunities_of_a_linked_organization_search_its_company(hub: Hub) -> None:
    connection = await connect(hub)
    await hub.links.link(connection.id, ORGANIZATION, hub.desk.organization.id, "C-42")
    hub.psa.opportunities = [OPPORTUNITY]
    found = await hub.search.opportunities(
        hub.tenant, "refresh", hub.desk.organization.id, limit=10
    )
    assert found == [OPPORTUNITY]  # QUO-5
    assert hub.psa.connections == [connection.id]
    assert hub.psa.searches == [
        ("opportunities", OpportunitySearch(text="refresh", company_ref="C-42", limit=10))
    ]


async def test_opportunities_without_an_organization_search_the_whole_psa(hub: Hub) -> None:
    await connect(hub)
    await hub.search.opportunities(hub.tenant, "refresh")
    assert hub.psa.searches == [("opportunities", OpportunitySearch(text="refresh"))]


async def test_items_come_with_the_psas_system_name(hub: Hub) -> None:
    await connect(hub)
    hub.psa.items = [SWITCH]
    assert await hub.search.items(hub.tenant, "aruba", limit=5) == ("autotask", [SWITCH])  # CAT-2
    assert hub.psa.searches == [("items", ("aruba", 5))]


async def test_contacts_are_searched_in_the_psa(hub: Hub) -> None:
    await connect(hub)
    hub.psa.contacts = [PsaContact(external_id="30001", name="Dana Whitfield")]
    found = await hub.search.contacts(hub.tenant, "dana")
    assert [c.external_id for c in found] == ["30001"]  # QUO-5
    assert hub.psa.searches == [("contacts", ("dana", 25))]


@pytest.mark.parametrize("linked", [True, False])
async def test_the_portal_sees_its_organizations_open_opportunities(hub: Hub, linked: bool) -> None:
    connection = await connect(hub)
    if linked:
        await hub.links.link(connection.id, ORGANIZATION, hub.desk.organization.id, "C-42")
    hub.psa.opportunities = [OPPORTUNITY]
    found = await hub.search.open_for(hub.tenant, hub.desk.organization.id)
    assert found == ([OPPORTUNITY] if linked else [])  # PAY-14
    assert hub.psa.searches == ([("open", "C-42")] if linked else [])


# --- ConnectSystem and UpdateConnection with a PSA's settings policy (INT-3, KBMS-2) ------------


@dataclass
class WarehousePolicy:
    """KBMS-2 as a fake: pushing service quotations needs a default warehouse."""

    checked: list[dict[str, Any]] = field(default_factory=list)

    def defaults(self) -> Mapping[str, Any]:
        return {"push_service_quotes": False, "default_warehouse": None, "won_status": "Won"}

    def check(self, settings: Mapping[str, Any]) -> None:
        self.checked.append(dict(settings))
        if settings.get("push_service_quotes") and not settings.get("default_warehouse"):
            raise InvalidValue(
                "service quotations need a default warehouse",
                rule="KBMS-2",
                field="settings.default_warehouse",
            )

    def read(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {**self.defaults(), **settings}


@dataclass(frozen=True)
class Connections:
    db: InMemoryDatabase
    policy: WarehousePolicy
    connect: ConnectSystem
    update: UpdateConnection
    queries: ConnectionQueries


@pytest.fixture
def connections() -> Connections:
    db = with_tenants(InMemoryDatabase(), TENANT_A)
    uow = InMemoryUnitOfWorkFactory(db)
    policy = WarehousePolicy()
    policies: dict[System, SettingsPolicy[object]] = {System.KASEYA_BMS: policy}
    vault, clock = PlainVault(), FixedClock(NOW + timedelta(hours=1))
    return Connections(
        db,
        policy,
        ConnectSystem(uow, vault, clock, uuid.uuid4, policies),
        UpdateConnection(uow, vault, clock, policies),
        ConnectionQueries(uow),
    )


def kaseya(**settings: Any) -> NewConnection:
    return NewConnection(
        system=System.KASEYA_BMS,
        name="Kaseya BMS",
        base_url="https://bms.kaseya.example",
        credentials=KASEYA_CREDENTIALS,
        settings=settings,
    )


async def test_connect_merges_the_systems_defaults_and_the_explicit_settings_win(
    connections: Connections,
) -> None:
    made = await connections.connect(TENANT_A, kaseya(won_status="Closed won"))
    expected = {
        "push_service_quotes": False,  # the system's own defaults, its only source (INT-3) …
        "default_warehouse": None,
        "won_status": "Closed won",  # … and what was asked for
    }
    assert made.settings == expected
    assert (await connections.queries.one(TENANT_A, made.id)).settings == expected
    assert connections.policy.checked == [expected]  # the check sees what will be saved


async def test_connect_refused_by_the_systems_check_stores_nothing(
    connections: Connections,
) -> None:
    with pytest.raises(InvalidValue) as caught:  # KBMS-2: refused at save time
        await connections.connect(TENANT_A, kaseya(push_service_quotes=True))
    assert (caught.value.rule, caught.value.field) == ("KBMS-2", "settings.default_warehouse")
    assert await connections.queries.all(TENANT_A) == []


async def test_connect_with_a_warehouse_may_push_service_quotes(connections: Connections) -> None:
    made = await connections.connect(
        TENANT_A, kaseya(push_service_quotes=True, default_warehouse="Main")
    )
    assert (made.settings["push_service_quotes"], made.settings["default_warehouse"]) == (
        True,
        "Main",
    )


async def test_another_systems_connect_is_not_checked_by_the_policy(
    connections: Connections,
) -> None:
    made = await connections.connect(
        TENANT_A,
        NewConnection(
            system=System.AUTOTASK,
            name="Autotask",
            base_url="https://webservices.autotask.example",
            credentials=AUTOTASK_CREDENTIALS,
            settings={"push_service_quotes": True},
        ),
    )
    assert connections.policy.checked == []
    assert "default_warehouse" not in made.settings


async def test_a_settings_change_refused_by_the_check_leaves_the_connection_as_it_was(
    connections: Connections,
) -> None:
    made = await connections.connect(TENANT_A, kaseya())
    before = (await connections.queries.one(TENANT_A, made.id)).settings
    with pytest.raises(InvalidValue) as caught:  # KBMS-2
        await connections.update(
            TENANT_A,
            made.id,
            ConnectionChanges(name="Renamed", settings={"push_service_quotes": True}),
        )
    assert (caught.value.rule, caught.value.field) == ("KBMS-2", "settings.default_warehouse")
    after = await connections.queries.one(TENANT_A, made.id)
    assert (after.settings, after.name) == (before, "Kaseya BMS")


async def test_a_settings_change_is_checked_merged_with_the_current_settings(
    connections: Connections,
) -> None:
    made = await connections.connect(TENANT_A, kaseya(default_warehouse="Main"))
    changed = await connections.update(
        TENANT_A, made.id, ConnectionChanges(settings={"push_service_quotes": True})
    )
    assert connections.policy.checked[-1]["default_warehouse"] == "Main"  # KBMS-2
    stored_settings = (await connections.queries.one(TENANT_A, made.id)).settings
    assert changed.settings == stored_settings
    assert (stored_settings["push_service_quotes"], stored_settings["won_status"]) == (True, "Won")
