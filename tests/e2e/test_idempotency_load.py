"""Keyed POSTs under load (PAY-15): 20 clients at once, every key sent twice at the same moment.

The app is served over real HTTP (Litestar's test client runs requests one at a time), with the
same load ``q2c bench idempotency`` measures. A bounded run, no timing asserted: it checks what
the clients saw. On SQLite this load used to freeze the whole process (the event loop waited on
a connection's mutex held by a writer waiting for SQLite's lock) until 30 s lock timeouts
escaped as 500s, and keys were left in progress.
"""

from __future__ import annotations

import pytest

from domain.identity.access import Role
from entrypoints.cli.bench_idempotency import keyed_load
from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from tests.conftest import settings_for
from tests.e2e.conftest import TenantKeys
from tests.support.servers import serve_asgi

pytestmark = pytest.mark.both_databases  # the database shows through here


async def test_twenty_clients_with_twin_keys_get_no_5xx_no_duplicate_no_stuck_key(
    database_url: str, acme: TenantKeys
) -> None:  # PAY-15
    container = build_container(settings_for(database_url))
    with serve_asgi(create_app(container)) as base:
        figures = await keyed_load(base, acme.keys[Role.ADMIN], keys=60, concurrency=20)

    assert figures.server_errors == 0, figures.statuses
    assert figures.transport_errors == 0
    assert dict(figures.statuses) == {201: 120}
    assert figures.health_failures == 0
    assert (figures.created, figures.distinct) == (60, 60)  # one organization per key
    assert figures.left_in_progress == 0
    assert figures.not_replayed == 0
