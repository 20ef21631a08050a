"""Intuit's refresh tokens rotate and a superseded one is refused (``invalid_grant``): the
adapter keeps every rotated token with the connection before it uses it, shares one refresh
among concurrent calls, and a process whose token another rotated takes the stored one (INT-1).
Real HTTP against the QuickBooks sandbox, which rotates on every refresh here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from dataclasses import replace

import httpx
import pytest

from adapters.sandboxes.quickbooks.app import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
    create_quickbooks_sandbox,
)
from adapters.vendors.quickbooks.accounting import QuickBooksClients
from adapters.vendors.quickbooks.sync import QuickBooksConnectionTester
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from tests.support.autotask import UnlimitedLimits
from tests.support.quickbooks import QuickBooksSandbox, quickbooks_connection
from tests.support.sandboxes import serve_sandbox


class KeptCredentials:
    """The IssuedCredentials port over one connection's credentials, as the hub keeps them
    (one connection: its ids are not needed)."""

    def __init__(self, credentials: Mapping[str, str]) -> None:
        self.credentials = dict(credentials)
        self.kept: list[str] = []

    async def current(self, _tenant: TenantId, _connection: ConnectionId) -> dict[str, str]:
        return dict(self.credentials)

    async def keep(
        self,
        _tenant: TenantId,
        _connection: ConnectionId,
        issued: Mapping[str, str],
        *,
        replacing: Mapping[str, str],
    ) -> bool:
        if any(self.credentials.get(k) != v for k, v in replacing.items()):
            return False
        self.credentials.update(issued)
        self.kept.append(issued["refresh_token"])
        return True


@pytest.fixture
def sandbox() -> Iterator[QuickBooksSandbox]:
    with serve_sandbox(
        QuickBooksSandbox, create_quickbooks_sandbox, rotate_refresh_tokens=True
    ) as running:
        yield running


async def _refresh(url: str, token: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{url}/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": token},
            auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
        )


async def test_the_sandbox_refuses_a_superseded_refresh_token_as_intuit_does(
    sandbox: QuickBooksSandbox,
) -> None:
    first = await _refresh(sandbox.url, SANDBOX_REFRESH_TOKEN)
    rotated = first.json()["refresh_token"]
    again = await _refresh(sandbox.url, SANDBOX_REFRESH_TOKEN)
    with serve_sandbox(QuickBooksSandbox, create_quickbooks_sandbox) as restarted:
        after_restart = await _refresh(restarted.url, rotated)
        forged = await _refresh(restarted.url, rotated[:-3] + "abc")

    assert first.status_code == 200
    assert rotated != SANDBOX_REFRESH_TOKEN
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert after_restart.status_code == 200  # its own token, from before a restart
    assert forged.json()["error"] == "invalid_grant"


async def test_concurrent_calls_of_one_connection_share_one_refresh(
    sandbox: QuickBooksSandbox,
) -> None:
    limits = UnlimitedLimits()
    clients = QuickBooksClients(limits)
    tester = QuickBooksConnectionTester(limits, clients=clients)
    connection = quickbooks_connection(sandbox.url)
    resaved = replace(connection, settings={"item_id": "1"})  # settings saved since: same tokens

    found = await asyncio.gather(*(tester.test(c) for c in [connection, resaved] * 5))
    await clients.aclose()

    tokens = sandbox.store.snapshot()["tokens"]
    assert found == [None] * 10
    assert (tokens["refreshes"], tokens["refused"]) == (1, 0)


async def test_every_rotated_refresh_token_is_kept_with_the_connection_int_1(
    sandbox: QuickBooksSandbox,
) -> None:
    limits = UnlimitedLimits()
    connection = quickbooks_connection(sandbox.url)
    kept = KeptCredentials(connection.credentials)
    clients = QuickBooksClients(limits, store=kept)
    tester = QuickBooksConnectionTester(limits, clients=clients)
    assert await tester.test(connection) is None
    sandbox.store.tokens.expire_all()
    assert await tester.test(connection) is None
    await clients.aclose()
    restarted = QuickBooksConnectionTester(limits, clients=QuickBooksClients(limits, store=kept))
    stored = replace(connection, credentials=dict(kept.credentials))

    assert await restarted.test(stored) is None
    assert len(kept.kept) == 3
    assert kept.credentials["refresh_token"] == kept.kept[-1]
    used = sandbox.store.snapshot()["tokens"]["refresh_tokens_used"]
    assert used == [SANDBOX_REFRESH_TOKEN, *kept.kept[:2]]  # each used once, then superseded


async def test_a_process_whose_token_another_rotated_takes_the_stored_one_int_1(
    sandbox: QuickBooksSandbox,
) -> None:
    limits = UnlimitedLimits()
    connection = quickbooks_connection(sandbox.url)
    kept = KeptCredentials(connection.credentials)
    one = QuickBooksConnectionTester(limits, clients=QuickBooksClients(limits, store=kept))
    other = QuickBooksConnectionTester(limits, clients=QuickBooksClients(limits, store=kept))

    assert await one.test(connection) is None  # rotates, and keeps the new token
    assert await other.test(connection) is None  # loaded before: refused once, then the stored

    tokens = sandbox.store.snapshot()["tokens"]
    assert tokens["refreshes"] == 2
    assert len(kept.kept) == 2
    await one.aclose()
    await other.aclose()
