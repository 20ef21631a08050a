"""A vendor's client per connection (``adapters/vendors/kit/clients.py``): a client replaced
because its connection's config changed lets the calls under way finish (INT-6, INT-7)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from adapters.vendors.bng.sync import BngConnectionTester
from adapters.vendors.kit.clients import PerConnection
from adapters.vendors.quickbooks.accounting import QuickBooksClients
from application.integrations.ports import ConnectionConfig
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId, System
from domain.shared.ids import new_id
from tests.support.autotask import UnlimitedLimits
from tests.support.bng import bng_connection, running_sandbox


@dataclass(eq=False)
class FakeClient:
    connection: ConnectionConfig
    closed: bool = False

    async def call(self) -> str:
        await asyncio.sleep(0.05)  # a call under way
        if self.closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        return "answer"

    async def aclose(self) -> None:
        self.closed = True


def config(base_url: str = "https://one.example") -> ConnectionConfig:
    return ConnectionConfig(
        tenant_id=TenantId(new_id()),
        connection_id=ConnectionId(new_id()),
        system=System.AUTOTASK,
        base_url=base_url,
        credentials={"username": "u", "secret": "s"},
        settings={},
    )


async def test_a_call_under_way_finishes_when_the_config_changes() -> None:
    clients: PerConnection[FakeClient] = PerConnection(FakeClient)
    first = config()
    old = await clients.client(first)
    call = asyncio.ensure_future(old.call())
    await asyncio.sleep(0)
    new = await clients.client(replace(first, base_url="https://two.example"))

    assert new is not old
    assert await call == "answer"  # not "client has been closed"
    assert (old.closed, new.closed) == (False, False)
    await clients.aclose()
    assert (old.closed, new.closed) == (True, True)  # shutdown closes the retired one too


async def test_a_retired_client_is_closed_once_its_grace_is_over() -> None:
    clients: PerConnection[FakeClient] = PerConnection(FakeClient)
    clients.RETIRE_SECONDS = 0.01
    first = config()
    old = await clients.client(first)
    await clients.client(replace(first, base_url="https://two.example"))
    for _ in range(200):
        if old.closed:
            break
        await asyncio.sleep(0.01)
    assert old.closed
    await clients.aclose()


async def test_the_same_config_keeps_the_same_client() -> None:
    clients: PerConnection[FakeClient] = PerConnection(FakeClient)
    first = config()
    assert await clients.client(first) is await clients.client(replace(first))
    await clients.aclose()


async def test_a_vendor_client_closed_with_the_app_serves_it_again_when_it_starts_again() -> None:
    """The gateway, the testers and QuickBooks' shared HTTP client live as long as the process
    and are closed with the app; an app started again in the same process (the tests start one
    app for many tests) must find them usable, not "client has been closed"."""
    with running_sandbox() as sandbox:
        url = sandbox.url
        tester = BngConnectionTester(UnlimitedLimits())
        assert await tester.test(bng_connection(url)) is None
        await tester.aclose()
        assert await tester.test(bng_connection(url)) is None  # a new HTTP client, made on use
        await tester.aclose()
        clients = QuickBooksClients(UnlimitedLimits())
        connected = replace(
            config(),
            system=System.QUICKBOOKS,
            credentials=dict.fromkeys(
                ("realm_id", "client_id", "client_secret", "refresh_token"), "x"
            ),
        )
        first = (await clients.client(connected))._http
        await clients.aclose()
        second = (await clients.client(connected))._http
        assert (first.is_closed, second.is_closed) == (True, False)
        await clients.aclose()
