"""The Kaseya BMS client against its sandbox over real HTTP: sign-in and tokens, the envelope's
errors, limits and faults (INT-2, INT-6, INT-7), and every call the quote push and the searches
make, with Kaseya's rules (KBMS-2, KBMS-3, KBMS-7, KBMS-8, KBMS-9; QUO-3..6)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from adapters.sandboxes.kaseya_bms.app import create_kaseya_sandbox
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.kaseya_bms.client import KASEYA_LIMITS, KaseyaClient, KaseyaClients
from adapters.vendors.kaseya_bms.sync import KaseyaConnectionTester
from application.integrations.ports import (
    ConnectionTester,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from tests.support.autotask import UnlimitedLimits
from tests.support.kaseya import (
    CONTOSO,
    MANAGED_SERVICES,
    PRODUCT,
    SERVICE,
    SWITCH,
    WORKSHOP_WITHOUT_COST,
    KaseyaSandbox,
    change_opportunity,
    kaseya_connection,
    line_body,
    opportunity_body,
    quotation_body,
    quotes_of_opportunity,
    replace_attachment,
)
from tests.support.sandboxes import sandbox_starter
from tests.support.timeouts import HONEST_ANSWER_SECONDS

StartSandbox = Callable[..., KaseyaSandbox]


@pytest.fixture
def start_sandbox() -> Iterator[StartSandbox]:
    with sandbox_starter(KaseyaSandbox, create_kaseya_sandbox) as start:
        yield start


@pytest.fixture
def limits() -> UnlimitedLimits:
    return UnlimitedLimits()


@pytest.fixture
async def clients(limits: UnlimitedLimits) -> AsyncIterator[KaseyaClients]:
    made = KaseyaClients(limits, timeout=HONEST_ANSWER_SECONDS)
    yield made
    await made.aclose()


async def _client(sandbox: KaseyaSandbox, clients: KaseyaClients, **settings: Any) -> KaseyaClient:
    return await clients.client(kaseya_connection(sandbox.url, settings=settings))


# --- sign-in and tokens ------------------------------------------------------------------------


async def test_the_first_call_signs_in_and_the_token_serves_the_next_ones(
    start_sandbox: StartSandbox, clients: KaseyaClients, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)

    await client.opportunity_statuses()
    await client.warehouses()
    await client.opportunity(4001)

    tokens = (await sandbox.state())["tokens"]
    assert (tokens["authentications"], tokens["refreshes"], tokens["refused"]) == (1, 0, 0)
    # Every call, sign-in included, went through the limits, one budget per endpoint.
    assert {key.endpoint for key, _ in limits.calls} == {
        "/v2/security/authenticate",
        "/v2/crm/opportunities/statuses/Lookup",
        "/v2/inventory/warehouses/lookup",
        "/v2/crm/opportunities/{id}",
    }
    assert {policy for _, policy in limits.calls} == {KASEYA_LIMITS}
    assert KASEYA_LIMITS.requests_per_window == 1_500
    assert KASEYA_LIMITS.per_endpoint_budget


async def test_a_token_near_its_expiry_is_refreshed_before_the_call(
    start_sandbox: StartSandbox, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(access_token_seconds=600)
    later = [0.0]
    clients = KaseyaClients(limits, clock=lambda: time.time() + later[0])
    client = await _client(sandbox, clients)
    await client.warehouses()

    later[0] = 600 - 30  # inside the last minute: refreshed first, never refused
    await client.warehouses()
    await clients.aclose()

    tokens = (await sandbox.state())["tokens"]
    assert (tokens["authentications"], tokens["refreshes"], tokens["refused"]) == (1, 1, 0)


async def test_a_401_refreshes_the_token_once_and_the_call_goes_through(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    await client.warehouses()
    await sandbox.expire_tokens()

    found = await client.opportunity(4001)

    assert found["Subject"] == "Contoso network refresh"
    tokens = (await sandbox.state())["tokens"]
    assert (tokens["authentications"], tokens["refreshes"], tokens["refused"]) == (1, 1, 1)
    assert (client.tokens.authentications, client.tokens.refreshes) == (1, 1)


async def test_an_expired_refresh_token_means_signing_in_again(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    await client.warehouses()
    await sandbox.expire_tokens(refresh=True)

    await client.warehouses()

    tokens = (await sandbox.state())["tokens"]
    assert (tokens["authentications"], tokens["refreshes"]) == (2, 0)
    assert (await sandbox.state())["refusals"] == {"401": 2}  # the call, then the refresh


async def test_calls_at_once_share_one_refresh(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    await client.warehouses()
    await sandbox.expire_tokens()

    await asyncio.gather(*(client.opportunity(4001) for _ in range(8)))

    tokens = (await sandbox.state())["tokens"]
    assert (tokens["authentications"], tokens["refreshes"]) == (1, 1)


async def test_connection_test_reports_kaseyas_reason_int_2(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    tester: ConnectionTester = KaseyaConnectionTester(clients)
    good = kaseya_connection(sandbox.url)

    def wrong(**changes: str) -> Any:
        return kaseya_connection(sandbox.url, credentials={**good.credentials, **changes})

    assert await tester.test(good) is None
    assert await tester.test(wrong(password="nope")) == "Invalid tenant, username or password"
    assert await tester.test(wrong(tenant="other")) == "Invalid tenant, username or password"
    assert await tester.test(wrong(password="")) == "the Kaseya BMS connection lacks password"


async def test_tokens_and_the_password_never_show_in_reprs_or_messages_int_1(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    token = await client.tokens.access_token()
    with pytest.raises(VendorRejected) as caught:
        await client.opportunity(1)

    shown = f"{client.tokens!r} {client.tokens._tokens!r} {caught.value.message}"
    assert token not in shown
    assert "sandbox-password" not in shown


# --- the envelope's errors, faults and limits (INT-6, INT-7) ---------------------------------


async def test_a_refusal_carries_kaseyas_message_and_sub_errors_int_7(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    with pytest.raises(VendorRejected) as caught:
        await client.create_opportunity({"Subject": "No account", "Colour": "red"})

    assert caught.value.status == 400
    assert caught.value.message.startswith(
        "One or more validation errors occurred.: Colour: not a field of OpportunityInputDto; "
        "StatusId: the StatusId field is required"
    )


async def test_a_missing_record_is_a_refusal_with_kaseyas_words(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    with pytest.raises(VendorRejected) as caught:
        await client.opportunity(123)

    assert (caught.value.status, caught.value.message) == (
        404,
        "Opportunity with id 123 was not found",
    )


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (Faults(error_rate=1), r"HTTP 50[23]"),
        (Faults(timeout_rate=1, hang_seconds=5), r"did not answer .* within 0.5 s"),
        (Faults(drop_rate=1), r"connection to Kaseya BMS failed"),
        (Faults(malformed_rate=1), r"malformed body"),
    ],
    ids=["5xx-html", "timeout", "dropped-connection", "malformed-body"],
)
async def test_transient_faults_become_vendor_unavailable_int_7(
    start_sandbox: StartSandbox, limits: UnlimitedLimits, faults: Faults, words: str
) -> None:
    impatient = KaseyaClients(limits, timeout=0.5)  # the hang outlasts it
    client = await _client(start_sandbox(faults), impatient)

    with pytest.raises(VendorUnavailable, match=words):
        await client.opportunity_statuses()
    await impatient.aclose()


async def test_429_becomes_rate_limited_with_retry_after_and_pauses_the_connection_int_6(
    start_sandbox: StartSandbox, clients: KaseyaClients, limits: UnlimitedLimits
) -> None:
    sandbox = start_sandbox(Faults(rate_limit_rate=1, retry_after=7))
    client = await _client(sandbox, clients)

    with pytest.raises(VendorRateLimited) as caught:
        await client.warehouses()

    assert caught.value.retry_after == 7
    assert limits.pauses == [(client.connection.connection_id, 7)]
    assert "Rate limit exceeded" in caught.value.message


async def test_the_sandbox_keeps_an_hourly_budget_per_endpoint(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox(requests_per_window=2)
    client = await _client(sandbox, clients)
    await client.warehouses()  # sign-in, then the first look-up
    await client.warehouses()

    with pytest.raises(VendorRateLimited) as caught:
        await client.warehouses()
    await client.opportunity_statuses()  # another endpoint, another budget

    assert 3500 < caught.value.retry_after <= 3600
    state = await sandbox.state()
    assert state["limit_violations_by_endpoint"] == {"/v2/inventory/warehouses/lookup": 1}


def _answering(status: int, content: bytes, content_type: str) -> httpx.MockTransport:
    """Kaseya signing in, then answering every other call with ``content``."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticate"):
            token = {"AccessToken": "t", "RefreshToken": "r"}
            token |= {"AccessTokenExpireOn": "2099-01-01T00:00:00Z"}
            token |= {"RefreshTokenExpireOn": "2099-01-02T00:00:00Z"}
            return httpx.Response(200, json={"Success": True, "Error": None, "Result": token})
        return httpx.Response(status, content=content, headers={"Content-Type": content_type})

    return httpx.MockTransport(answer)


_JSON = "application/json"
_ODD_ANSWERS = [
    pytest.param((200, b"<html>maintenance</html>", "text/html"), VendorUnavailable, "malformed"),
    pytest.param((200, b'{"Success": tru', _JSON), VendorUnavailable, "malformed", id="cut"),
    pytest.param((200, b'{"Result": []}', _JSON), VendorUnavailable, "malformed", id="unwrapped"),
    pytest.param((200, b'{"Success": true, "Result": 7}', _JSON), VendorUnavailable, "a list"),
    pytest.param((400, b"<h1>Bad</h1>", "text/html"), VendorRejected, "HTTP 400 Bad Request"),
    pytest.param((403, b"", "text/plain"), VendorRejected, "refused GET .*HTTP 403 Forbidden"),
    pytest.param(
        (503, b'{"Success": false, "Error": {"Code": 503, "Message": "Upgrading"}}', _JSON),
        VendorUnavailable,
        "HTTP 503 Service Unavailable: Upgrading",
        id="5xx-envelope",
    ),
    pytest.param(
        (200, b'{"Success": false, "Error": {"Message": "No", "SubErrors": ["a", "b"]}}', _JSON),
        VendorRejected,
        "^No: a; b$",
        id="200-refusal",
    ),
]


@pytest.mark.parametrize(("answer", "error", "words"), _ODD_ANSWERS)
async def test_answers_kaseya_should_not_give_never_crash_the_client_int_7(
    limits: UnlimitedLimits,
    answer: tuple[int, bytes, str],
    error: type[Exception],
    words: str,
) -> None:
    http = httpx.AsyncClient(transport=_answering(*answer))
    clients = KaseyaClients(limits, http=http)
    client = await clients.client(kaseya_connection("https://api.bms.kaseya.com"))

    with pytest.raises(error, match=words):
        await client.warehouses()
    await clients.aclose()
    await http.aclose()


# --- accounts, contacts, opportunities (QUO-3..5, KBMS-8) -------------------------------------


async def test_accounts_are_found_by_name_and_read_with_their_locations(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    found = await client.find_accounts("contoso")
    everyone = await client.find_accounts(active=None)
    account = await client.account(CONTOSO)  # the spec answers this one bare

    assert [a["AccountName"] for a in found.items] == ["Contoso Ltd"]
    assert (found.total, everyone.total, (await client.find_accounts()).total) == (1, 3, 2)
    assert [loc["LocationName"] for loc in account["Locations"]] == ["Head Office", "Branch Office"]


async def test_an_account_is_created_with_its_main_location(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)
    address = {"Address1": "1 Main Street", "City": "Seattle", "IsMain": True, "IsBilling": True}
    location = {"LocationName": "Main", "IsMain": True, "IsActive": True, "Addresses": [address]}
    body = {"AccountName": "Woodgrove Bank", "AccountTypeId": 1, "BusinessTypeId": 1}

    made = await client.create_account({**body, "AccountManagerId": 101, "Locations": [location]})

    assert made["AccountName"] == "Woodgrove Bank"
    assert made["Locations"][0]["Addresses"][0]["City"] == "Seattle"
    assert (await client.find_accounts("woodgrove")).items[0]["Id"] == made["Id"]


async def test_contacts_are_searched_and_created(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    of_contoso = await client.find_contacts(account_id=CONTOSO)
    by_email = await client.find_contacts(email="alan@fabrikam")
    body = {"FirstName": "Mary", "LastName": "Jackson", "AccountId": CONTOSO, "LocationId": 2001}
    emails = [{"EmailAddress": "mary@contoso.example", "EmailTypeId": 1, "IsDefault": True}]
    made = await client.create_contact({**body, "Emails": emails})

    assert [c["LastName"] for c in of_contoso.items] == ["Lovelace", "Hopper"]
    assert [c["FirstName"] for c in by_email.items] == ["Alan"]
    assert made["EmailAddress"] == "mary@contoso.example"
    assert (await client.find_contacts(last_name="jackson")).items[0]["Id"] == made["Id"]


async def test_the_selector_offers_open_and_active_opportunities_only_kbms_8(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    found = await client.open_active_opportunities()
    of_contoso = await client.open_active_opportunities(account_id=CONTOSO)

    # On hold (open, inactive status), won and lost are left out, whatever the push mapping.
    assert sorted(o["Subject"] for o in found) == [
        "Contoso network refresh",
        "Fabrikam onboarding",
    ]
    assert [o["Id"] for o in of_contoso] == [4001]


async def test_an_opportunity_is_created_read_and_its_amount_and_status_changed_quo_3_quo_4(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)

    made = await client.create_opportunity(opportunity_body())
    priced = await change_opportunity(client, made["Id"], {"Amount": 2500.75})
    won = await change_opportunity(client, made["Id"], {"StatusId": 5})
    listed = await client.opportunities(account_id=CONTOSO, status_id=5)

    assert (made["Status"], made["AccountName"], made["ContactFirstName"]) == (
        "Proposal Sent",
        "Contoso Ltd",
        "Ada",
    )
    assert priced["Amount"] == 2500.75
    assert (won["Status"], won["Amount"], won["InPipeline"]) == ("Closed Won", 2500.75, False)
    assert made["Id"] in [o["Id"] for o in listed.items]
    assert (await client.opportunity(made["Id"]))["StatusId"] == 5


# --- quotations and line items (QUO-3, QUO-6, KBMS-2, KBMS-3, KBMS-7) -------------------------


async def _quotation(client: KaseyaClient, **changes: Any) -> tuple[int, dict[str, Any]]:
    opportunity = await client.create_opportunity(opportunity_body())
    return opportunity["Id"], await client.create_quote(
        quotation_body(opportunity["Id"], **changes)
    )


async def test_a_quotation_not_in_the_published_spec_is_created_read_and_found_again(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)

    opportunity_id, made = await _quotation(client)
    renamed = await client.update_quote(
        made["Id"], quotation_body(opportunity_id, Name="Q-1042 v2")
    )
    found = await quotes_of_opportunity(client, CONTOSO, opportunity_id)

    assert (made["OpportunityId"], made["AccountName"], made["LocationName"]) == (
        opportunity_id,
        "Contoso Ltd",
        "Head Office",
    )
    assert (await client.quote(made["Id"]))["Name"] == renamed["Name"] == "Q-1042 v2"
    assert [q["Id"] for q in found] == [made["Id"]]
    assert (await client.quotes(account_id=CONTOSO)).total == 1
    [kept] = (await sandbox.state())["quotes"]
    assert kept["WarehouseId"] == 1


async def test_an_expired_quotation_cannot_be_backdated_kbms_7(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)
    opportunity = await client.create_opportunity(opportunity_body())

    body = quotation_body(opportunity["Id"], ExpiryDate="2024-01-31T00:00:00")

    with pytest.raises(VendorRejected, match="cannot be backdated") as refused:
        await client.create_quote(body)
    assert refused.value.status == 200  # Success: false under HTTP 200, as Kaseya answers it


async def test_line_items_are_added_listed_changed_and_deleted(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    _, quote = await _quotation(client)

    service = await client.add_line_item(quote["Id"], SERVICE, line_body(MANAGED_SERVICES))
    product = await client.add_line_item(
        quote["Id"], PRODUCT, line_body(SWITCH, UnitPrice=399.0, UnitCost=250.0, Quantity=1.0)
    )
    changed = await client.update_line_item(
        quote["Id"], service["Id"], line_body(MANAGED_SERVICES, Quantity=10.0, Discount=50.0)
    )
    await client.delete_line_item(quote["Id"], product["Id"])

    assert (service["Name"], service["OriginalUnitPrice"], service["Total"]) == (
        "Managed Services - Per User",
        45.0,
        90.0,
    )
    assert (product["Name"], product["Total"]) == ("UniFi Switch 24 PoE", 399.0)
    assert changed["Total"] == 400.0
    assert await client.line_items(quote["Id"]) == [changed]
    assert await client.line_item(quote["Id"], service["Id"]) == changed
    assert (await sandbox.state())["counts"]["line_items"] == 1


async def test_a_service_without_unit_cost_is_not_associated_kbms_3(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)
    _, quote = await _quotation(client)

    with pytest.raises(VendorRejected, match="no unit price and unit cost") as refused:
        await client.add_line_item(quote["Id"], SERVICE, line_body(WORKSHOP_WITHOUT_COST))
    assert refused.value.status == 200  # Success: false under HTTP 200, as Kaseya answers it


async def test_service_line_items_need_the_quotations_warehouse_kbms_2(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)
    _, quote = await _quotation(client, WarehouseId=None)

    with pytest.raises(VendorRejected, match="default warehouse is required"):
        await client.add_line_item(quote["Id"], SERVICE, line_body(MANAGED_SERVICES))
    with pytest.raises(VendorRejected, match="distributor type 7 is not integrated"):
        await client.add_line_item(quote["Id"], PRODUCT, line_body(SWITCH), distributer_type_id=7)
    await client.add_line_item(quote["Id"], PRODUCT, line_body(SWITCH))


# --- items, warehouses, item types (KBMS-1, KBMS-9) --------------------------------------------


async def test_products_come_without_prices_one_row_per_warehouse_kbms_9(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    rows = (await client.products(name="switch")).items
    east = (await client.products(name="switch", warehouse_ids=[2])).items
    made = await client.create_product({"ProductNumber": "Q2C-1", "ProductName": "Rack shelf"})

    assert [(r["ProductIndexId"], r["Warehouse"], r["QTYInStock"]) for r in rows] == [
        (SWITCH, "Main Warehouse", 12.0),
        (SWITCH, "East Coast Warehouse", 3.0),
    ]
    assert [r["WarehouseId"] for r in east] == [2]
    assert all("UnitPrice" not in r and r["WeightedLandedCost"] is None for r in rows)
    assert (await client.products(number="q2c-1")).items[0]["ProductIndexId"] == made[
        "ProductIndexId"
    ]


async def test_services_come_with_unit_price_and_cost_kbms_9(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    found = await client.services(name="managed")
    made = await client.create_service({"Name": "Q2C Backup", "UnitPrice": 9.5, "UnitCost": 4.0})

    assert [(s["Name"], s["UnitPrice"], s["UnitCost"]) for s in found.items] == [
        ("Managed Services - Per User", 45.0, 20.0)
    ]
    assert (await client.services(active=None)).total == 5
    (again,) = (await client.services(name="Q2C Backup")).items
    assert (again["Id"], again["UnitPrice"]) == (made["Id"], 9.5)
    with pytest.raises(VendorRejected, match="already exists"):
        await client.create_service({"Name": "q2c backup"})


async def test_warehouses_and_item_types_are_looked_up_kbms_1_kbms_2(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    client = await _client(start_sandbox(), clients)

    assert [w["Name"] for w in await client.warehouses()] == [
        "Main Warehouse",
        "East Coast Warehouse",
    ]
    assert [(t["Id"], t["Name"]) for t in await client.item_types()] == [
        (PRODUCT, "Product"),
        (SERVICE, "Service"),
    ]


# --- the quote PDF on the opportunity (QUO-3, QUO-6) -------------------------------------------


async def test_replacing_the_pdf_leaves_one_attachment_with_the_new_bytes_quo_6(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    opportunity = await client.create_opportunity(opportunity_body())
    module = client.module_id("opportunity")

    first = await replace_attachment(client, module, opportunity["Id"], "Q-1042.pdf", b"%PDF v1")
    second = await replace_attachment(client, module, opportunity["Id"], "Q-1042.pdf", b"%PDF v2")
    other = await client.upload_attachment(
        module, opportunity["Id"], "notes.txt", b"hi", "text/plain"
    )
    await client.delete_attachment(module, opportunity["Id"], other["Id"])

    [kept] = await client.attachments(module, opportunity["Id"])
    assert kept["Id"] == second["Id"] != first["Id"]
    assert (kept["OriginalFileName"], kept["FileType"]) == ("Q-1042.pdf", "pdf")
    [stored] = (await sandbox.state())["attachments"]
    assert stored["Sha256"] == hashlib.sha256(b"%PDF v2").hexdigest()


async def test_attachment_module_ids_can_be_set_per_connection(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients, attachment_module_ids={"opportunity": 12})

    assert client.module_id("opportunity") == 12
    with pytest.raises(VendorRejected, match="module 12 takes no attachments"):
        await client.attachments(12, 4001)


async def test_reset_brings_back_the_seed_and_forgets_tokens(
    start_sandbox: StartSandbox, clients: KaseyaClients
) -> None:
    sandbox = start_sandbox()
    client = await _client(sandbox, clients)
    await _quotation(client)

    await sandbox.control("reset")

    state = await sandbox.state()
    assert (state["counts"]["opportunities"], state["counts"]["quotes"]) == (5, 0)
    assert state["tokens"]["authentications"] == 0
    await client.warehouses()  # the old token is gone: refused, then a fresh sign-in
    assert client.tokens.authentications == 2
