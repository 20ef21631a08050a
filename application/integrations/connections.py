"""Connecting a tenant's systems (INT-1..3): credentials sealed, settings defaulted, tested."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from application.integrations.ports import (
    ConnectionConfig,
    ConnectionTester,
    CredentialVault,
    SettingsPolicy,
)
from application.shared.errors import Conflict
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.identity.tenant import TenantId
from domain.integrations.connection import (
    Connection,
    ConnectionId,
    System,
    check_credentials,
)


# Working defaults on connect (INT-3); each can be changed afterwards.
@dataclass(frozen=True, kw_only=True)
class NewConnection:
    system: System
    name: str
    base_url: str
    credentials: Mapping[str, str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    sync_interval_minutes: int = 60


@dataclass(frozen=True, kw_only=True)
class ConnectionChanges:
    name: str | None = None
    base_url: str | None = None
    credentials: Mapping[str, str] | None = None  # replaces all of them: write-only
    settings: Mapping[str, Any] | None = None  # merged into the current settings
    enabled: bool | None = None
    sync_interval_minutes: int | None = None


async def _only_one_enabled(uow: UnitOfWork, connection: Connection) -> None:
    """One PSA, one accounting system and one payment gateway enabled at a time (PAY-10)."""
    other = await uow.connections.enabled_of(connection.family)
    if other is not None and other.id != connection.id:
        raise Conflict(
            f"{other.name} ({other.system}) is the enabled {connection.family} already; "
            "disable it first",
            field="system",
        )


def _check_settings(
    policies: Mapping[System, SettingsPolicy[object]], system: System, settings: Mapping[str, Any]
) -> None:
    """The system's own checks of the settings as they would be saved (AT-9, KBMS-2)."""
    policy = policies.get(system)
    if policy is not None:
        policy.check(settings)


class ConnectSystem:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        vault: CredentialVault,
        clock: Clock,
        ids: IdGenerator,
        policies: Mapping[System, SettingsPolicy[object]] | None = None,
    ) -> None:
        self._uow, self._vault, self._clock, self._ids = uow, vault, clock, ids
        self._policies = policies or {}

    async def __call__(self, tenant_id: TenantId, new: NewConnection) -> Connection:
        check_credentials(new.system, dict(new.credentials))
        policy = self._policies.get(new.system)
        own = dict(policy.defaults()) if policy is not None else {}
        settings = {**own, **new.settings}
        _check_settings(self._policies, new.system, settings)
        connection = Connection(
            id=ConnectionId(self._ids()),
            tenant_id=tenant_id,
            system=new.system,
            name=new.name,
            base_url=new.base_url,
            credentials=self._vault.seal(new.credentials),
            settings=settings,
            now=self._clock.now(),
            sync_interval_minutes=new.sync_interval_minutes,
        )
        async with self._uow(tenant_id) as uow:
            await _only_one_enabled(uow, connection)
            await uow.connections.add(connection)
            await uow.commit()
        return connection


class UpdateConnection:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        vault: CredentialVault,
        clock: Clock,
        policies: Mapping[System, SettingsPolicy[object]] | None = None,
    ) -> None:
        self._uow, self._vault, self._clock = uow, vault, clock
        self._policies = policies or {}

    async def __call__(
        self, tenant_id: TenantId, connection_id: ConnectionId, changes: ConnectionChanges
    ) -> Connection:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            if changes.credentials is not None:
                check_credentials(connection.system, dict(changes.credentials))
                connection.replace_credentials(self._vault.seal(changes.credentials), now)
            if changes.settings is not None:
                merged = {**connection.settings, **changes.settings}
                _check_settings(self._policies, connection.system, merged)
                connection.change_settings(dict(changes.settings), now)
            connection.revise(
                name=changes.name,
                base_url=changes.base_url,
                sync_interval_minutes=changes.sync_interval_minutes,
                now=now,
            )
            if changes.enabled is True:
                connection.enable(now)
                await _only_one_enabled(uow, connection)
            elif changes.enabled is False and connection.enabled:
                connection.disable(now)
            await uow.commit()
        return connection


class ConnectionConfigs:
    """Opens a connection's credentials for an adapter; the only place that does (INT-1)."""

    def __init__(self, uow: UnitOfWorkFactory, vault: CredentialVault) -> None:
        self._uow, self._vault = uow, vault

    def of(self, connection: Connection) -> ConnectionConfig:
        return ConnectionConfig(
            tenant_id=connection.tenant_id,
            connection_id=connection.id,
            system=connection.system,
            base_url=connection.base_url,
            credentials=self._vault.open(connection.credentials),
            settings=connection.settings,
        )

    async def load(self, tenant_id: TenantId, connection_id: ConnectionId) -> ConnectionConfig:
        async with self._uow(tenant_id) as uow:
            return self.of(await uow.connections.get(connection_id))


class TestConnection:
    """INT-2: ask the system; the connection then reads connected, or failing with its reason."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        testers: Mapping[System, ConnectionTester],
        clock: Clock,
    ) -> None:
        self._uow, self._configs, self._testers, self._clock = uow, configs, testers, clock

    async def __call__(self, tenant_id: TenantId, connection_id: ConnectionId) -> Connection:
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
        tester = self._testers.get(connection.system)
        if tester is None:
            reason: str | None = f"the hub has no {connection.system} adapter yet"
        else:
            reason = await tester.test(self._configs.of(connection))
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            connection.record_test(reason is None, reason, self._clock.now())
            await uow.commit()
        return connection


class ConnectionQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def all(self, tenant_id: TenantId) -> list[Connection]:
        async with self._uow(tenant_id) as uow:
            return await uow.connections.all()

    async def one(self, tenant_id: TenantId, connection_id: ConnectionId) -> Connection:
        async with self._uow(tenant_id) as uow:
            return await uow.connections.get(connection_id)
