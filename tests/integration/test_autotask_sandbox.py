"""The Autotask adapters against its sandbox over real HTTP (INT-4, INT-6, INT-7, AT-10)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.sandboxes.autotask.app import create_autotask_sandbox
from adapters.sandboxes.autotask.seed import seeded_id
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.autotask.client import AUTOTASK_LIMITS, AutotaskClient, AutotaskClients
from adapters.vendors.autotask.sync import (
    AutotaskConnectionTester,
    AutotaskOrganizationPush,
    AutotaskPuller,
)
from adapters.vendors.autotask.translate.companies import (
    company_from_organization,
    company_settings,
)
from application.integrations.ports import (
    ConnectionConfig,
    ConnectionTester,
    Deliverer,
    Puller,
    PullRequest,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from domain.integrations.connection import ConnectionId
from tests.support.autotask import (
    AutotaskSandbox,
    InMemoryExternalLinks,
    UnlimitedLimits,
    autotask_connection,
    organization_payload,
    organization_push,
    push_message,
)
from tests.support.records import record_dict
from tests.support.sandboxes import SemaphoreLimits, sandbox_starter
from tests.support.timeouts import HONEST_ANSWER_SECONDS


@dataclass(frozen=True)
class Sandbox(AutotaskSandbox):
    def seed(self, count: int) -> list[int]:
        """Companies made inside the sandbox, as if other users had entered them."""
        return [
            self.store.create(
                "Companies",
                company_from_organization(
                    organization_push(organization_payload()),
                    company_settings({"default_owner_resource_id": 29682702}),
                ),
            )
            for _ in range(count)
        ]


StartSandbox = Callable[..., Sandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(Sandbox, create_autotask_sandbox) as start:
        yield start


@pytest.fixture
def limits() -> UnlimitedLimits:
    return UnlimitedLimits()


@pytest.fixture
async def clients(limits: UnlimitedLimits) -> AsyncIterator[AutotaskClients]:
    clients = AutotaskClients(limits, timeout=HONEST_ANSWER_SECONDS)
    yield clients
    await clients.aclose()


async def push(
    clients: AutotaskClients,
    links: InMemoryExternalLinks,
    connection: ConnectionConfig,
    payload: dict[str, Any],
) -> None:
    deliverer: Deliverer = AutotaskOrganizationPush(clients, links)
    await deliverer.deliver(push_message(connection, payload), connection)


# --- pushes: idempotent creates and updates (INT-4, QUO-6) ------------------------------------


async def test_push_creates_one_company_and_links_it_int_4(
    start_sandbox: StartSandbox, clients: AutotaskClients, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    payload = organization_payload()

    await push(clients, links, connection, payload)

    state = await sandbox.state()
    [company] = state["entities"]["Companies"]
    assert company["companyName"] == "Contoso Ltd"
    assert company["userDefinedFields"] == [{"name": "Q2C Hub ID", "value": payload["id"]}]
    key = (connection.connection_id, "organization", UUID(payload["id"]))
    assert links.links == {key: str(company["id"])}
    # Every vendor call went through the shared limits with Autotask's policy (AT-10).
    # The owner: the API user's resource, looked up once (AT-9).
    assert {k.endpoint for k, _ in limits.calls} == {"zoneInformation", "Companies", "Resources"}
    assert {policy for _, policy in limits.calls} == {AUTOTASK_LIMITS}


async def test_pushing_again_updates_the_linked_company_instead_of_creating_quo_6(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    payload = organization_payload()

    await push(clients, links, connection, payload)
    await push(clients, links, connection, dict(payload, phone="+1 206 555 0199", version=2))
    await push(clients, links, connection, dict(payload, phone="+1 206 555 0199", version=3))

    state = await sandbox.state()
    assert state["counts"]["Companies"] == 1
    [company] = state["entities"]["Companies"]
    assert company["phone"] == "+1 206 555 0199"
    # Only what changed was sent, and a push that changed nothing sent nothing.
    updates = state["updates"]["Companies"][str(company["id"])]
    assert [u["fields"] for u in updates] == [{"phone": "+1 206 555 0199"}]


class CrashAfterCreateLinks(InMemoryExternalLinks):
    """The worker dies between Autotask's create and recording the link."""

    def __init__(self) -> None:
        super().__init__()
        self.crashes = 1

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        if self.crashes:
            self.crashes -= 1
            raise RuntimeError("worker killed")
        await super().link(connection_id, entity_type, entity_id, external_id)


async def test_lost_link_after_create_is_found_by_hub_id_without_a_duplicate_int_4(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    links = CrashAfterCreateLinks()
    payload = organization_payload()
    with pytest.raises(RuntimeError, match="worker killed"):
        await push(clients, links, connection, payload)

    await push(clients, links, connection, dict(payload, name="Contoso Group", version=2))

    state = await sandbox.state()
    assert state["counts"]["Companies"] == 1
    assert state["duplicates"]["Companies"] == {}
    [company] = state["entities"]["Companies"]
    assert company["companyName"] == "Contoso Group"  # adopted, then brought up to date
    assert list(links.links.values()) == [str(company["id"])]


async def test_every_push_lands_exactly_once_through_injected_faults_int_6(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    faults = Faults(
        error_rate=0.15, drop_rate=0.15, malformed_rate=0.1, rate_limit_rate=0.1,
        retry_after=0, seed=7,
    )  # fmt: skip
    sandbox = start_sandbox(faults)
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    payloads = [organization_payload(name=f"Org {n}") for n in range(15)]
    failures = 0

    for payload in payloads:
        for _ in range(30):  # what the worker's retries do, without the backoff
            try:
                await push(clients, links, connection, payload)
                break
            except (VendorUnavailable, VendorRateLimited):
                failures += 1

    state = await sandbox.state()
    assert failures > 0  # the faults did strike
    assert state["counts"]["Companies"] == 15
    assert state["duplicates"]["Companies"] == {}
    assert len(links.links) == 15


# --- faults and refusals map to the port errors (INT-6, INT-7) ---------------------------------


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (Faults(error_rate=1), r"HTTP 50[23]"),
        (Faults(timeout_rate=1, hang_seconds=5), r"did not answer .* within 0.5 s"),
        (Faults(drop_rate=1), r"connection to Autotask failed"),
        (Faults(malformed_rate=1), r"malformed body"),
    ],
    ids=["5xx-html", "timeout", "dropped-connection", "malformed-body"],
)
async def test_transient_faults_become_vendor_unavailable_int_7(
    start_sandbox: StartSandbox, limits: UnlimitedLimits, faults: Faults, words: str
) -> None:
    sandbox = start_sandbox(faults)
    connection = autotask_connection(sandbox.url)
    impatient = AutotaskClients(limits, timeout=0.5)  # the hang outlasts it

    with pytest.raises(VendorUnavailable, match=words):
        await push(impatient, InMemoryExternalLinks(), connection, organization_payload())
    await impatient.aclose()


async def test_429_becomes_rate_limited_with_retry_after_and_pauses_the_connection_int_6(
    start_sandbox: StartSandbox, clients: AutotaskClients, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(rate_limit_rate=1, retry_after=7))
    connection = autotask_connection(sandbox.url)

    with pytest.raises(VendorRateLimited) as caught:
        await push(clients, InMemoryExternalLinks(), connection, organization_payload())

    assert caught.value.retry_after == 7
    assert limits.pauses == [(connection.connection_id, 7)]


async def test_validation_refusal_carries_autotasks_own_message_int_7(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url, settings={"company_type": 5})

    with pytest.raises(VendorRejected) as caught:
        await push(clients, InMemoryExternalLinks(), connection, organization_payload())

    assert caught.value.status == 500  # Autotask reports validation failures as HTTP 500
    assert caught.value.message == "companyType: 5 is not a value of its picklist"
    assert (await sandbox.state())["counts"]["Companies"] == 0


async def test_organization_without_phone_is_refused_before_any_call_at_1(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)

    with pytest.raises(VendorRejected, match="AT-1"):
        await push(clients, InMemoryExternalLinks(), connection, organization_payload(phone=None))

    assert (await sandbox.state())["requests"] == {}


async def test_connection_test_reports_autotasks_reason_for_wrong_credentials_int_2(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    tester: ConnectionTester = AutotaskConnectionTester(clients)
    good = autotask_connection(sandbox.url)
    wrong = autotask_connection(
        sandbox.url, credentials={**good.credentials, "secret": "not-the-secret"}
    )
    stranger = autotask_connection(
        sandbox.url, credentials={**good.credentials, "username": "who@example.com"}
    )

    assert await tester.test(good) is None
    assert await tester.test(wrong) == (
        "Unauthorized: the API user, secret or integration code was not accepted"
    )
    assert await tester.test(stranger) == (  # INT-1: the user name is shown masked, as stored
        "Zone information could not be determined for user ****.com"
    )


async def test_connection_test_names_the_instances_resources_for_an_unknown_owner_at_9(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    tester = AutotaskConnectionTester(clients)
    riley = seeded_id("Resources", "riley.chen@msp.example")
    chosen = autotask_connection(sandbox.url, settings={"opportunity_owner_resource_id": riley})
    assumed = autotask_connection(sandbox.url, settings={"opportunity_owner_resource_id": 29682885})

    assert await tester.test(chosen) is None
    message = await tester.test(assumed)
    assert message is not None
    assert message.startswith(
        "the Autotask setting opportunity_owner_resource_id: 29682885 is not an active "
        "resource of this Autotask; choose one of 29682701 (Q2C API User), "
        "29682702 (Morgan Hale), 29682703 (Riley Chen)"
    )
    assert "Former" not in message  # only active resources can own


async def test_connection_test_says_how_to_create_a_missing_hub_id_field_int_4(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox(hub_id_udf="Legacy Ref")  # an instance without the hub's field
    tester = AutotaskConnectionTester(clients)
    default = autotask_connection(sandbox.url)
    configured = autotask_connection(sandbox.url, settings={"hub_id_udf": "Legacy Ref"})

    message = await tester.test(default)

    assert message == (
        "Autotask has no Companies user-defined field named 'Q2C Hub ID', where the hub keeps "
        "its own id: create it in Autotask under Admin > Extensions & Integrations > Other "
        "Extensions & Tools > User-Defined Fields, on the Companies tab, as a Text (Single "
        "Line) field named 'Q2C Hub ID', then test the connection again"
    )
    assert await tester.test(configured) is None
    assert (await sandbox.state())["requests"]["Companies"] >= 4  # fields, UDFs, twice


async def test_a_new_company_is_owned_by_the_api_users_resource_unless_set_at_9(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    riley = seeded_id("Resources", "riley.chen@msp.example")
    default = autotask_connection(sandbox.url)
    chosen = autotask_connection(sandbox.url, settings={"default_owner_resource_id": riley})

    await push(clients, InMemoryExternalLinks(), default, organization_payload())
    await push(clients, InMemoryExternalLinks(), chosen, organization_payload())

    companies = sandbox.store.snapshot()["entities"]["Companies"]
    assert [c["ownerResourceID"] for c in companies] == [
        seeded_id("Resources", "sandbox@q2c.local"),  # the API user is a resource too
        riley,
    ]


# --- pulls page through nextPageUrl ------------------------------------------------------------


async def test_pull_follows_next_page_url_across_more_than_500_companies(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    ids = sandbox.seed(1203)
    connection = autotask_connection(sandbox.url)
    puller: Puller = AutotaskPuller(clients)

    pages = [p async for p in puller.pages(PullRequest("organization"), connection)]

    assert [len(p.records) for p in pages] == [500, 500, 203]
    assert [int(record_dict(r)["external_id"]) for p in pages for r in p.records] == ids
    assert pages[-1].next_checkpoint is None
    assert all("/atservicesrest/v1.0/Companies/query" in str(p.next_checkpoint) for p in pages[:2])
    # A pull that crashed after the first page resumes on the second (its checkpoint).
    resumed = PullRequest("organization", checkpoint=pages[0].next_checkpoint)
    rest = [record_dict(r) async for p in puller.pages(resumed, connection) for r in p.records]
    assert [int(r["external_id"]) for r in rest] == ids[500:]


async def test_a_checkpoint_outside_the_zone_is_refused_not_sent_the_credentials(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    connection = autotask_connection(sandbox.url)
    stolen = "https://elsewhere.example/atservicesrest/v1.0/Companies/query?paging=1"
    request = PullRequest("organization", checkpoint=stolen)

    with pytest.raises(VendorRejected, match="outside the Autotask zone"):
        _ = [p async for p in AutotaskPuller(clients).pages(request, connection)]


async def test_pull_since_a_time_returns_only_companies_changed_after_it(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox()
    _, second, _ = sandbox.seed(3)
    await asyncio.sleep(0.01)
    since = datetime.now(UTC)
    await asyncio.sleep(0.01)
    sandbox.store.update("Companies", {"id": second, "fax": "+1 206 555 0102"})
    connection = autotask_connection(sandbox.url)

    request = PullRequest("organization", changed_since=since)
    records = [
        record_dict(r)
        async for p in AutotaskPuller(clients).pages(request, connection)
        for r in p.records
    ]

    assert [r["external_id"] for r in records] == [str(second)]
    assert records[0]["fax"] == "+1 206 555 0102"


# --- Autotask's limits: enforced by the sandbox, kept by the client (AT-10) --------------------


async def _ten_reads_at_once(
    sandbox: Sandbox, limits: UnlimitedLimits | SemaphoreLimits
) -> list[dict[str, Any] | None | BaseException]:
    [company_id] = sandbox.seed(1)
    connection = autotask_connection(sandbox.url)
    clients = AutotaskClients(limits, timeout=5)
    try:
        client: AutotaskClient = await clients.client(connection)
        await client.zone_url()
        reads = [client.get("Companies", company_id) for _ in range(10)]
        return list(await asyncio.gather(*reads, return_exceptions=True))
    finally:
        await clients.aclose()


async def test_sandbox_refuses_calls_over_three_at_once_per_endpoint_at_10(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(latency_ms=200))

    results = await _ten_reads_at_once(sandbox, limits)

    refused = [r for r in results if isinstance(r, VendorRateLimited)]
    served = [r for r in results if isinstance(r, dict)]
    assert len(refused) + len(served) == 10
    assert len(served) >= 3  # typically 3 served and 7 refused
    state = await sandbox.state()
    assert len(refused) == state["limit_violations"] >= 1
    assert state["max_concurrency"]["Companies"] == 4  # three at work, a fourth refused at once


async def test_client_keeps_within_three_calls_at_once_given_a_limiter_at_10(
    start_sandbox: StartSandbox,
) -> None:
    sandbox = start_sandbox(Faults(latency_ms=100))
    limits = SemaphoreLimits()

    results = await _ten_reads_at_once(sandbox, limits)

    assert all(isinstance(r, dict) for r in results)
    assert limits.max_in_flight["Companies"] == 3  # it used the allowance, no more
    state = await sandbox.state()
    assert state["max_concurrency"]["Companies"] == 3
    assert state["limit_violations"] == 0


async def test_hourly_request_budget_answers_429_with_the_wait_until_a_slot_frees_at_10(
    start_sandbox: StartSandbox, clients: AutotaskClients, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(requests_per_window=3, window_seconds=60)
    [company_id] = sandbox.seed(1)
    connection = autotask_connection(sandbox.url)
    client = await clients.client(connection)
    for _ in range(3):
        assert await client.get("Companies", company_id) is not None

    with pytest.raises(VendorRateLimited) as caught:
        await client.get("Companies", company_id)

    assert 50 < caught.value.retry_after <= 60
    assert [seconds for _, seconds in limits.pauses] == [caught.value.retry_after]
    assert (await sandbox.state())["limit_violations"] == 1


# --- the sandbox's control routes --------------------------------------------------------------


async def test_faults_change_at_run_time_and_never_touch_control_routes(
    start_sandbox: StartSandbox, clients: AutotaskClients
) -> None:
    sandbox = start_sandbox(Faults(error_rate=1))
    connection = autotask_connection(sandbox.url)
    links = InMemoryExternalLinks()
    with pytest.raises(VendorUnavailable):
        await push(clients, links, connection, organization_payload())
    assert (await sandbox.state())["counts"]["Companies"] == 0  # the state route is not faulted

    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        assert (await http.put("/_sandbox/faults", json={"latency_ms": 1})).status_code == 200
        await push(clients, links, connection, organization_payload())
        assert (await sandbox.state())["counts"]["Companies"] == 1
        assert (await http.post("/_sandbox/reset")).status_code == 200

    state = await sandbox.state()
    assert state["counts"]["Companies"] == 0
    assert state["requests"] == {}
    assert state["faults"]["latency_ms"] == 1


async def test_state_reveals_companies_that_share_a_hub_id(start_sandbox: StartSandbox) -> None:
    """What the no-duplicate assertions rely on: the sandbox does see duplicates."""
    sandbox = start_sandbox()
    twin = company_from_organization(
        organization_push(organization_payload()),
        company_settings({"default_owner_resource_id": 29682702}),
    )
    first, second = (sandbox.store.create("Companies", twin) for _ in range(2))
    sandbox.seed(1)

    state = await sandbox.state()

    hub_id = twin["userDefinedFields"][0]["value"]
    assert state["duplicates"]["Companies"] == {hub_id: [first, second]}
    assert state["duplicate_count"]["Companies"] == 1
