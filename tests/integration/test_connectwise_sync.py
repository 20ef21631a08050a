"""The ConnectWise adapters against the sandbox over real HTTP: the connection (CW-1, INT-1..3),
organizations both ways (CW-2, BSS-1, BSS-2), and the vendor's answers as port errors (INT-6,
INT-7)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS
from adapters.vendors.connectwise import lookups
from adapters.vendors.connectwise.client import ConnectWiseClients
from adapters.vendors.connectwise.settings import DEFAULTS
from adapters.vendors.connectwise.sync import (
    ConnectWiseConnectionTester,
    ConnectWiseOrganizationPush,
    ConnectWisePuller,
)
from adapters.vendors.connectwise.translate.companies import hub_identifier
from application.integrations.ports import (
    ConnectionConfig,
    PullRequest,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from application.integrations.records import PulledContact, PulledOrganization
from tests.support.autotask import (
    InMemoryExternalLinks,
    UnlimitedLimits,
    organization_payload,
    push_message,
)
from tests.support.connectwise import (
    ConnectWiseSandbox,
    connectwise_connection,
    served_connectwise,
)

ENABLED = {"push_organizations": True, "pull_organizations": True}


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


@pytest.fixture
async def clients() -> AsyncIterator[ConnectWiseClients]:
    made = ConnectWiseClients(UnlimitedLimits(), timeout=5)
    yield made
    await made.aclose()


def _connection(cw: ConnectWiseSandbox, **settings: Any) -> ConnectionConfig:
    return connectwise_connection(cw.url, settings={**ENABLED, **settings})


def _organization(**changes: Any) -> dict[str, Any]:
    address = {
        "line1": "1 Main Street",
        "line2": None,
        "city": "Seattle",
        "state": "Washington",
        "postal_code": "98101",
        "country": "United States",
    }
    return organization_payload(billing_address=address, **changes)


# --- CW-1, INT-2: the connection test -------------------------------------------------------


async def test_the_connection_reads_connected_cw_1(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    tester = ConnectWiseConnectionTester(clients)
    everything = dict.fromkeys(("sync_opportunities", "sync_products"), True)
    assert await tester.test(_connection(cw, **everything)) is None


async def test_wrong_keys_and_an_unknown_company_give_the_vendors_reason_int_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    tester = ConnectWiseConnectionTester(clients)
    wrong = {**SANDBOX_CREDENTIALS, "private_key": "wrong"}
    reason = await tester.test(connectwise_connection(cw.url, credentials=wrong))
    assert reason is not None
    assert "did not accept the keys" in reason
    assert "wrong" not in reason  # INT-1: a secret never shows
    unknown = {**SANDBOX_CREDENTIALS, "company_id": "nosuchmsp"}
    reason = await tester.test(connectwise_connection(cw.url, credentials=unknown))
    assert reason is not None
    assert "no company 'nosuchmsp'" in reason


async def test_a_missing_permission_is_named_for_each_enabled_sync_cw_1(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    tester = ConnectWiseConnectionTester(clients)
    cw.knobs(denied=["procurement/catalog"])
    # Products off: the missing right does not matter yet.
    assert await tester.test(connectwise_connection(cw.url)) is None
    reason = await tester.test(connectwise_connection(cw.url, settings={"sync_products": True}))
    assert reason is not None
    assert "procurement/catalog" in reason


async def test_a_setting_naming_what_the_instance_lacks_is_the_reason_int_3(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    tester = ConnectWiseConnectionTester(clients)
    reason = await tester.test(_connection(cw, company_type="Reseller"))
    assert reason == (
        "ConnectWise has no active company type named 'Reseller' (setting company_type)"
    )


async def test_every_sync_starts_disabled_and_the_defaults_name_the_instances_choices(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    # CW-1: all off on connect; INT-3: each default is among the instance's look-ups.
    syncs = ("push_organizations", "pull_organizations", "sync_opportunities", "sync_products")
    assert [DEFAULTS[s] for s in syncs] == [False] * 4
    client = await clients.client(connectwise_connection(cw.url))
    offered = await lookups.choices(client)
    assert DEFAULTS["company_type"] in offered["company_types"]
    assert DEFAULTS["company_status"] in offered["company_statuses"]
    assert DEFAULTS["contact_type"] in offered["contact_types"]
    new_quote = DEFAULTS["new_quote"]
    assert new_quote["stage"] in offered["opportunity_stages"]
    assert new_quote["status"] in offered["opportunity_statuses"]
    assert new_quote["type"] in offered["opportunity_types"]
    assert new_quote["location"] in offered["locations"]
    assert new_quote["department"] in offered["departments"]
    assert DEFAULTS["product_type"] in offered["product_types"]
    assert DEFAULTS["default_category"]["subcategory"] in offered["subcategories"]
    assert "Not-Approved" not in offered["company_statuses"]  # inactive: not offered
    assert "asmith" in offered["members"]


# --- CW-2, BSS-1: organizations to ConnectWise ------------------------------------------------


async def test_a_new_organization_gets_the_configured_type_and_status_cw_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    links = InMemoryExternalLinks()
    connection = _connection(cw, company_type="Prospect", company_status="Inactive")
    payload = _organization()
    await ConnectWiseOrganizationPush(clients, links).deliver(
        push_message(connection, payload), connection
    )
    [company] = cw.store.records["company/companies"].values()
    shown = cw.call("GET", f"company/companies/{company['id']}").json()
    assert shown["identifier"] == hub_identifier(UUID(payload["id"]))
    assert [t["name"] for t in shown["types"]] == ["Prospect"]
    assert shown["status"]["name"] == "Inactive"
    assert (shown["state"], shown["country"]["name"]) == ("WA", "United States")
    assert await links.find(connection.connection_id, "organization", UUID(payload["id"])) == str(
        company["id"]
    )


async def test_a_push_again_and_a_lost_answer_never_make_a_second_company_quo_6(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    connection = _connection(cw)
    payload = _organization()
    deliverer = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    cw.knobs(timeouts_after_write=1)  # the company is made, the answer is a 500 timeout
    with pytest.raises(VendorUnavailable, match="A timeout has occured"):
        await deliverer.deliver(push_message(connection, payload), connection)
    await deliverer.deliver(push_message(connection, payload), connection)  # the retry adopts it
    renamed = {**payload, "name": "Contoso Two"}
    await deliverer.deliver(push_message(connection, renamed), connection)
    companies = list(cw.store.records["company/companies"].values())
    assert [c["name"] for c in companies] == ["Contoso Two"]


async def test_an_unknown_state_is_a_sync_error_naming_it_and_a_retry_after_the_fix_succeeds(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    connection = _organization_connection = _connection(cw)
    deliverer = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    payload = _organization()
    payload["billing_address"] = {**payload["billing_address"], "state": "Atlantis"}
    with pytest.raises(VendorRejected, match="no state named 'Atlantis'"):
        await deliverer.deliver(push_message(connection, payload), connection)
    assert cw.store.records["company/companies"] == {}
    payload["billing_address"]["state"] = "New York"
    payload["billing_address"]["country"] = "Narnia"
    with pytest.raises(VendorRejected, match="no country named 'Narnia'"):
        await deliverer.deliver(push_message(_organization_connection, payload), connection)
    payload["billing_address"]["country"] = "Canada"
    await deliverer.deliver(push_message(connection, payload), connection)
    [company] = cw.store.records["company/companies"].values()
    assert company["state"] == "NY"


async def test_organizations_in_one_state_look_it_up_once_bss_1(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    """State and country are looked up by name once per client, not once per organization."""
    connection = _connection(cw)
    deliverer = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    for _ in range(3):
        await deliverer.deliver(push_message(connection, _organization()), connection)
    asked = [e["path"] for e in cw.journal() if e["method"] == "GET"]
    assert len(cw.store.records["company/companies"]) == 3
    assert (asked.count("company/states"), asked.count("company/countries")) == (1, 1)


async def test_an_update_patches_only_what_differs(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    connection = _connection(cw)
    deliverer = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    payload = _organization()
    await deliverer.deliver(push_message(connection, payload), connection)
    changed = {**payload, "phone": "+1 206 555 0199", "changed": ["phone"]}
    await deliverer.deliver(push_message(connection, changed), connection)
    patches = [e for e in cw.journal() if e["method"] == "PATCH"]
    assert [e["request"] for e in patches] == [
        [{"op": "replace", "path": "phoneNumber", "value": "+1 206 555 0199"}]
    ]


async def test_a_deleted_company_is_never_matched(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    connection = _connection(cw)
    payload = _organization()
    deliverer = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    await deliverer.deliver(push_message(connection, payload), connection)
    [company] = cw.store.records["company/companies"].values()
    assert cw.call("DELETE", f"company/companies/{company['id']}").status_code == 204
    # Unlinked (a fresh hub), the deleted twin is not adopted: its identifier is still taken.
    fresh = ConnectWiseOrganizationPush(clients, InMemoryExternalLinks())
    with pytest.raises(VendorRejected, match="identifier is already in use"):
        await fresh.deliver(push_message(connection, payload), connection)
    # Linked, the deletion is reported, not written over.
    with pytest.raises(VendorRejected, match="was deleted"):
        await deliverer.deliver(push_message(connection, payload), connection)


# --- CW-2, BSS-1, BSS-2: organizations from ConnectWise -----------------------------------


async def _pull(
    clients: ConnectWiseClients,
    connection: ConnectionConfig,
    entity: str = "organization",
    since: datetime | None = None,
) -> list[Any]:
    found: list[Any] = []
    async for page in ConnectWisePuller(clients).pages(
        PullRequest(entity, changed_since=since), connection
    ):
        found.extend(page.records)
    return found


def _seed_company(cw: ConnectWiseSandbox, identifier: str, types: list[str], status: str) -> int:
    made = cw.record(
        "company/companies",
        identifier=identifier,
        name=identifier,
        city="Perth",
        state="NSW",
        country={"id": cw.lookup_id("company/countries", "Australia")},
        status={"id": cw.lookup_id("company/companies/statuses", status)},
        types=[{"id": cw.lookup_id("company/companies/types", t)} for t in types],
        deletedFlag=False,
    )
    return int(made["id"])


async def test_only_companies_of_the_selected_types_and_statuses_come_in_cw_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    _seed_company(cw, "CUST", ["Customer"], "Active")
    _seed_company(cw, "BOTH", ["Vendor", "Prospect"], "Active")  # any type selected
    _seed_company(cw, "VEND", ["Vendor"], "Active")
    _seed_company(cw, "ASLEEP", ["Customer"], "Inactive")
    gone = _seed_company(cw, "GONE", ["Customer"], "Active")
    cw.call("DELETE", f"company/companies/{gone}")
    pulled = await _pull(clients, _connection(cw))
    assert [o.name for o in pulled] == ["CUST", "BOTH"]
    first = pulled[0]
    assert isinstance(first, PulledOrganization)
    assert first.billing_address.country == "Australia"  # BSS-1: the address is the billing one


async def test_later_pulls_take_only_what_changed_and_page_by_link(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    ids = [_seed_company(cw, f"C{n:04}", ["Customer"], "Active") for n in range(30)]
    connection = _connection(cw)
    pages = [
        page
        async for page in ConnectWisePuller(clients).pages(PullRequest("organization"), connection)
    ]
    assert sum(len(p.records) for p in pages) == 30
    later = datetime(2999, 1, 1, tzinfo=UTC)
    assert await _pull(clients, connection, since=later) == []
    cw.call(
        "PATCH",
        f"company/companies/{ids[3]}",
        json=[{"op": "replace", "path": "name", "value": "Renamed"}],
    )
    stamp = cw.store.records["company/companies"][ids[3]]["_info"]["lastUpdated"]
    since = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    changed = await _pull(clients, connection, since=since)
    assert "Renamed" in [o.name for o in changed]


async def test_contacts_come_with_their_four_communication_items_bss_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    company = _seed_company(cw, "CUST", ["Customer"], "Active")
    kinds = {
        k: cw.lookup_id("company/communicationTypes", k, "description")
        for k in ("Email", "Phone", "Mobile", "Fax")
    }
    body = {
        "firstName": "Ann",
        "lastName": "Lee",
        "title": "CTO",
        "company": {"id": company},
        "communicationItems": [
            {"type": {"id": kinds["Email"]}, "value": "ann@cust.example"},
            {"type": {"id": kinds["Phone"]}, "value": "555-0100"},
            {"type": {"id": kinds["Mobile"]}, "value": "555-0101"},
            {"type": {"id": kinds["Fax"]}, "value": "555-0102"},
        ],
    }
    assert cw.call("POST", "company/contacts", json=body).status_code == 201
    [contact] = await _pull(clients, _connection(cw), "contact")
    assert isinstance(contact, PulledContact)
    assert (contact.email, contact.phone, contact.mobile, contact.fax) == (
        "ann@cust.example",
        "555-0100",
        "555-0101",
        "555-0102",
    )
    assert contact.organization_external_id == str(company)


async def test_a_429_pauses_the_connection_for_retry_after_int_6(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    from adapters.sandboxes.kit.base import Faults

    cw.runtime.replace_faults(Faults(rate_limit_rate=1.0, retry_after=3))
    client = await clients.client(_connection(cw))
    with pytest.raises(VendorRateLimited) as caught:
        await client.count("company/companies")
    assert caught.value.retry_after == 3


async def test_a_pull_resumes_from_its_checkpoint_page_by_page_cw_2(
    cw: ConnectWiseSandbox, clients: ConnectWiseClients
) -> None:
    customer = cw.lookup_id("company/companies/types", "Customer")
    active = cw.lookup_id("company/companies/statuses", "Active")
    for n in range(2_100):  # entered in ConnectWise by its users
        cw.store.insert(
            "company/companies",
            {
                "identifier": f"P{n:05}",
                "name": f"P{n:05}",
                "city": "Perth",
                "status": {"id": active},
                "types": [{"id": customer}],
                "deletedFlag": False,
            },
        )
    connection = _connection(cw)
    puller = ConnectWisePuller(clients)
    pages = puller.pages(PullRequest("organization"), connection)
    first = await anext(aiter(pages))  # the worker is killed after the first page's checkpoint
    assert len(first.records) == 1_000
    assert first.next_checkpoint is not None
    rest = [
        page
        async for page in puller.pages(
            PullRequest("organization", checkpoint=first.next_checkpoint), connection
        )
    ]
    names = [_name(r) for r in first.records] + [_name(r) for p in rest for r in p.records]
    assert names == [f"P{n:05}" for n in range(2_100)]  # each once, in order
    assert [len(p.records) for p in rest] == [1_000, 100]
    assert rest[-1].next_checkpoint is None


def _name(record: object) -> str | None:
    assert isinstance(record, PulledOrganization)
    return record.name
