"""Connecting a tenant's systems (INT-1..3): credentials sealed, settings defaulted, tested.

A system connected through its own OAuth page (QuickBooks Online) takes the app's keys from the
admin, then ``StartAuthorization`` and ``CompleteAuthorization``: a single-use ``state`` bound to
the tenant and the connection (its hash kept sealed with the credentials, ten minutes), the
system's answer exchanged for what it issues, sealed (INT-1). ``StoredCredentials`` keeps what
the system rotates later (a refresh token).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.integrations.ports import (
    Authorizer,
    ConnectionConfig,
    ConnectionTester,
    CredentialVault,
    SettingChoices,
    SettingsPolicy,
)
from application.shared.errors import ChangedMeanwhile, Conflict, NotFound
from application.shared.ports import Clock, IdGenerator
from application.shared.unit_of_work import UnitOfWork, UnitOfWorkFactory
from domain.identity.tenant import TenantId
from domain.integrations.connection import (
    ISSUED_CREDENTIALS,
    PENDING_AUTHORIZATION,
    Connection,
    ConnectionId,
    System,
    check_credentials,
)
from domain.shared.errors import InvalidValue

AUTHORIZATION_MINUTES = 10  # how long an admin has to answer the system's consent page


# Working defaults on connect (INT-3); each can be changed afterwards.
@dataclass(frozen=True, kw_only=True)
class NewConnection:
    system: System
    name: str
    base_url: str
    credentials: Mapping[str, str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    sync_interval_minutes: int = 60
    # What the system issued (OAuth tokens): the demo's sandbox grant; never from the API.
    issued: Mapping[str, str] = field(default_factory=dict)


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
            credentials=self._vault.seal({**new.credentials, **new.issued}),
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

    # The worker writes a connection as it works (a pull's time and status, a rotated token):
    # a change asked for meanwhile reads it again rather than fail, since it depends on nothing
    # it read. Three tries: the worker writes a connection a few times a pull, not a second.
    TRIES = 3

    async def __call__(
        self, tenant_id: TenantId, connection_id: ConnectionId, changes: ConnectionChanges
    ) -> Connection:
        for _ in range(self.TRIES - 1):
            try:
                return await self._change(tenant_id, connection_id, changes)
            except ChangedMeanwhile:
                continue
        return await self._change(tenant_id, connection_id, changes)

    async def _change(
        self, tenant_id: TenantId, connection_id: ConnectionId, changes: ConnectionChanges
    ) -> Connection:
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            if changes.credentials is not None:
                check_credentials(connection.system, dict(changes.credentials))
                given = {**changes.credentials, **self._still_issued(connection, changes)}
                connection.replace_credentials(self._vault.seal(given), now)
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

    def _still_issued(self, connection: Connection, changes: ConnectionChanges) -> dict[str, str]:
        """What the system issued the same app (a new secret for the same ``client_id``) still
        holds; another app must be authorized again."""
        issued = ISSUED_CREDENTIALS.get(connection.system, ())
        if not issued or changes.credentials is None:
            return {}
        current = self._vault.open(connection.credentials)
        if current.get("client_id") != changes.credentials.get("client_id"):
            return {}
        return {k: v for k, v in current.items() if k in issued}


def _config(connection: Connection, credentials: Mapping[str, str]) -> ConnectionConfig:
    return ConnectionConfig(
        tenant_id=connection.tenant_id,
        connection_id=connection.id,
        system=connection.system,
        base_url=connection.base_url,
        credentials={k: v for k, v in credentials.items() if k not in PENDING_AUTHORIZATION},
        settings=connection.settings,
    )


@dataclass(frozen=True)
class Authorization:
    """Where to send the admin's browser, and until when its state is good."""

    connection_id: ConnectionId
    url: str
    redirect_uri: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class StartAuthorization:
    """An admin asks to connect the company: a fresh single-use state (a second start replaces
    the first), its hash sealed with the connection's credentials, and the consent page's URL."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        vault: CredentialVault,
        clock: Clock,
        authorizers: Mapping[System, Authorizer],
    ) -> None:
        self._uow, self._vault, self._clock = uow, vault, clock
        self._authorizers = authorizers

    async def __call__(
        self, tenant_id: TenantId, connection_id: ConnectionId, callback_url: str
    ) -> Authorization:
        now = self._clock.now()
        secret = secrets.token_urlsafe(32)
        state = f"{tenant_id.hex}.{connection_id.hex}.{secret}"
        expires_at = now + timedelta(minutes=AUTHORIZATION_MINUTES)
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            authorizer = self._authorizers.get(connection.system)
            if authorizer is None:
                raise Conflict(
                    f"{connection.system} is not connected through an authorization page: "
                    "its credentials are entered",
                    field="system",
                )
            credentials = self._vault.open(connection.credentials)
            config = _config(connection, credentials)
            redirect_uri = authorizer.redirect_uri(config, callback_url)
            pending = {
                "authorization_state": _digest(secret),
                "authorization_expires_at": expires_at.isoformat(),
                "authorization_uri": redirect_uri,
            }
            connection.keep_credentials(self._vault.seal({**credentials, **pending}), now)
            await uow.commit()
        url = authorizer.authorize_url(config, redirect_uri=redirect_uri, state=state)
        return Authorization(connection.id, url, redirect_uri, expires_at)


def _bad_state() -> InvalidValue:
    return InvalidValue(
        "the state is unknown, used or expired: start the authorization again",
        rule="INT-1",
        field="state",
    )


def _parse_state(state: str) -> tuple[TenantId, ConnectionId, str]:
    tenant, _, rest = state.partition(".")
    connection, _, secret = rest.partition(".")
    try:
        return TenantId(UUID(hex=tenant)), ConnectionId(UUID(hex=connection)), secret
    except ValueError:
        raise _bad_state() from None


class CompleteAuthorization:
    """The system sent the admin back: the state is checked and spent (once, even if the
    exchange then fails), the answer exchanged for what the system issues, kept sealed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        vault: CredentialVault,
        clock: Clock,
        authorizers: Mapping[System, Authorizer],
    ) -> None:
        self._uow, self._vault, self._clock = uow, vault, clock
        self._authorizers = authorizers

    async def __call__(self, answer: Mapping[str, str]) -> Connection:
        tenant_id, connection_id, secret = _parse_state(answer.get("state", ""))
        now = self._clock.now()
        async with self._uow(tenant_id) as uow:
            try:
                connection = await uow.connections.get(connection_id)
            except NotFound:
                raise _bad_state() from None
            credentials = self._vault.open(connection.credentials)
            expected = credentials.get("authorization_state", "")
            if not secret or not hmac.compare_digest(expected, _digest(secret)):
                raise _bad_state()
            kept = {k: v for k, v in credentials.items() if k not in PENDING_AUTHORIZATION}
            connection.keep_credentials(self._vault.seal(kept), now)
            await uow.commit()
        expires_at = datetime.fromisoformat(credentials["authorization_expires_at"])
        authorizer = self._authorizers.get(connection.system)
        if expires_at <= now or authorizer is None:
            raise _bad_state()
        issued = await authorizer.exchange(
            _config(connection, kept),
            redirect_uri=credentials["authorization_uri"],
            answer=answer,
        )
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            current = self._vault.open(connection.credentials)
            connection.replace_credentials(self._vault.seal({**current, **issued}), now)
            await uow.commit()
        return connection


class StoredCredentials:
    """The IssuedCredentials port: what a system rotates, sealed with the connection (INT-1)."""

    def __init__(self, uow: UnitOfWorkFactory, vault: CredentialVault, clock: Clock) -> None:
        self._uow, self._vault, self._clock = uow, vault, clock

    async def current(self, tenant_id: TenantId, connection_id: ConnectionId) -> Mapping[str, str]:
        async with self._uow(tenant_id) as uow:
            return self._vault.open((await uow.connections.get(connection_id)).credentials)

    async def keep(
        self,
        tenant_id: TenantId,
        connection_id: ConnectionId,
        issued: Mapping[str, str],
        *,
        replacing: Mapping[str, str],
    ) -> bool:
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
            current = self._vault.open(connection.credentials)
            if any(current.get(k) != v for k, v in replacing.items()):
                return False
            connection.keep_credentials(self._vault.seal({**current, **issued}), self._clock.now())
            await uow.commit()
        return True


class ConnectionConfigs:
    """Opens a connection's credentials for an adapter; the only place that does (INT-1)."""

    def __init__(self, uow: UnitOfWorkFactory, vault: CredentialVault) -> None:
        self._uow, self._vault = uow, vault

    def of(self, connection: Connection) -> ConnectionConfig:
        return _config(connection, self._vault.open(connection.credentials))

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


class ConnectionChoices:
    """What each of a connection's settings can be set to, asked of the tenant's own system
    (CW-1, INT-3); a system whose settings name no look-ups of its own has none to offer."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        configs: ConnectionConfigs,
        sources: Mapping[System, SettingChoices],
    ) -> None:
        self._uow, self._configs, self._sources = uow, configs, sources

    async def __call__(
        self, tenant_id: TenantId, connection_id: ConnectionId
    ) -> Mapping[str, Sequence[str]]:
        async with self._uow(tenant_id) as uow:
            connection = await uow.connections.get(connection_id)
        source = self._sources.get(connection.system)
        if source is None:
            raise Conflict(
                f"the {connection.system} connection offers no choices: its settings are "
                "typed as values, not picked from the system's look-ups",
                field="system",
            )
        return await source.choices(self._configs.of(connection))


class ConnectionQueries:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def all(self, tenant_id: TenantId) -> list[Connection]:
        async with self._uow(tenant_id) as uow:
            return await uow.connections.all()

    async def one(self, tenant_id: TenantId, connection_id: ConnectionId) -> Connection:
        async with self._uow(tenant_id) as uow:
            return await uow.connections.get(connection_id)
