"""``q2c demo connectwise``: the demo tenant's PSA switched to the mounted ConnectWise sandbox.

One PSA is enabled at a time (PAY-10), so the tenant's other PSA connections (the demo's
Autotask) are turned off first; then the ConnectWise connection is made, or pointed again at
the sandbox of this hub (``Q2C_HOST``/``Q2C_PORT``, where ``q2c serve`` mounts it), with every
sync it has on (CW-1), and tested. It prints each step.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

import click

from application.integrations.connections import (
    ConnectionChanges,
    ConnectionQueries,
    ConnectSystem,
    TestConnection,
    UpdateConnection,
)
from domain.integrations.connection import ConnectionStatus, Family, System
from entrypoints.containers import Container
from entrypoints.settings import Settings

Opened = Callable[[Settings], AbstractAsyncContextManager[Container]]
Run = Callable[[Callable[[], Coroutine[Any, Any, str]]], str]


def demo_group(opened: Opened, run: Run) -> click.Group:
    @click.group("demo")
    def group() -> None:
        """Point the demo tenant at other vendor sandboxes of `q2c serve`."""

    @group.command("connectwise")
    @click.option("--tenant", "tenant_name", default="Demo MSP", show_default=True)
    @click.pass_obj
    def connectwise(settings: Settings, tenant_name: str) -> None:
        """Switch the tenant's PSA to the ConnectWise sandbox of `q2c serve` (on
        Q2C_HOST:Q2C_PORT), every sync on: organizations both ways, opportunities, products."""

        async def work() -> str:
            async with opened(settings) as container:
                try:
                    return await _switch(container, settings, tenant_name)
                finally:
                    await container.integrations.vendors().aclose()

        click.echo(run(work))

    return group


async def _switch(container: Container, settings: Settings, tenant_name: str) -> str:
    from entrypoints.sandboxes import CONNECTWISE

    found = await container.persistence.directory().find_tenant(tenant_name)
    if found is None:
        raise click.ClickException(f"no tenant named {tenant_name!r}")
    tenant = found.id
    said: list[str] = []
    queries: ConnectionQueries = container.integrations.connection_queries()
    update: UpdateConnection = container.integrations.update_connection()
    connections = await queries.all(tenant)
    for other in connections:
        if other.family is Family.PSA and other.system is not System.CONNECTWISE and other.enabled:
            await update(tenant, other.id, ConnectionChanges(enabled=False))
            said.append(f"turned off {other.name}: one PSA at a time (PAY-10)")
    wanted = CONNECTWISE.connection(settings.base_url)
    existing = next((c for c in connections if c.system is System.CONNECTWISE), None)
    if existing is None:
        connect: ConnectSystem = container.integrations.connect_system()
        connection = await connect(tenant, wanted)
        said.append(f"connected {connection.name} at {connection.base_url} (id {connection.id})")
    else:
        connection = await update(
            tenant,
            existing.id,
            ConnectionChanges(
                base_url=wanted.base_url,
                credentials=wanted.credentials,
                settings=wanted.settings,
                enabled=True,
            ),
        )
        said.append(f"pointed {connection.name} at {connection.base_url} (id {connection.id})")
    on = [
        k
        for k, v in connection.settings.items()
        if v is True and k.startswith(("push", "pull", "sync"))
    ]
    said.append(f"syncs on: {', '.join(sorted(on))}")
    test: TestConnection = container.integrations.test_connection()
    tested = await test(tenant, connection.id)
    if tested.status is ConnectionStatus.CONNECTED:
        said.append("tested: connected")
    else:
        said.append(
            f"tested: {tested.status_reason} (is `q2c serve` running on {settings.base_url}? "
            f"then POST /v1/connections/{connection.id}/test)"
        )
    return "\n".join(said)
