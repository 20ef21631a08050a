"""The composition root: one container per adapter family, composed; nothing built at import.

``build_container(settings)`` wires the real adapters. ``build_container(settings,
persistence="memory")`` swaps the whole persistence family for its in-memory fakes, which is how
tests (and architects trying an adapter) replace a family without touching the use cases.
"""

from __future__ import annotations

from typing import Literal

from dependency_injector import containers, providers

from adapters.persistence.database import SqlAlchemyProbe, create_engine, session_factory
from adapters.persistence.directory import SqlAlchemyDirectory
from adapters.persistence.idempotency import SqlAlchemyIdempotencyStore
from adapters.persistence.memory import (
    InMemoryDatabase,
    InMemoryDirectory,
    InMemoryIdempotencyStore,
    InMemoryProbe,
    InMemoryUnitOfWorkFactory,
)
from adapters.persistence.orm import start_mappers
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.security.api_keys import Sha256ApiKeySecrets
from adapters.system import SystemClock, uuid7
from application.crm.queries import CrmQueries
from application.crm.use_cases import (
    CreateContact,
    CreateOrganization,
    DeactivateContact,
    DeactivateOrganization,
    UpdateContact,
    UpdateOrganization,
)
from application.identity.queries import IdentityQueries
from application.identity.use_cases import (
    Authenticate,
    CreateTenant,
    IssueApiKey,
    RevokeApiKey,
    SetTenantCurrency,
)
from application.integrations.policies import sync_policy
from entrypoints.settings import Settings

# What the rest of the hub asks of a persistence family; each family provides all of them.
PERSISTENCE_PORTS = ("uow", "directory", "idempotency", "probe")


class CoreContainer(containers.DeclarativeContainer):
    clock = providers.Singleton(SystemClock)
    ids = providers.Object(uuid7)


class SqlPersistenceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()

    engine = providers.Singleton(create_engine, settings.provided.database_url)
    sessions = providers.Singleton(session_factory, engine)
    uow = providers.Singleton(SqlAlchemyUnitOfWorkFactory, sessions, sync_policy, core.clock)
    directory = providers.Singleton(SqlAlchemyDirectory, sessions)
    idempotency = providers.Singleton(SqlAlchemyIdempotencyStore, sessions, core.clock)
    probe = providers.Singleton(SqlAlchemyProbe, engine)


class InMemoryPersistenceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()

    database = providers.Singleton(InMemoryDatabase)
    uow = providers.Singleton(InMemoryUnitOfWorkFactory, database, sync_policy)
    directory = providers.Singleton(InMemoryDirectory, database)
    idempotency = providers.Singleton(InMemoryIdempotencyStore, database)
    probe = providers.Singleton(InMemoryProbe)


class SecurityContainer(containers.DeclarativeContainer):
    api_key_secrets = providers.Singleton(Sha256ApiKeySecrets)


class IdentityContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    persistence = providers.DependenciesContainer()
    security = providers.DependenciesContainer()

    create_tenant = providers.Factory(
        CreateTenant,
        uow=persistence.uow,
        directory=persistence.directory,
        secrets=security.api_key_secrets,
        clock=core.clock,
        ids=core.ids,
    )
    issue_api_key = providers.Factory(
        IssueApiKey,
        uow=persistence.uow,
        secrets=security.api_key_secrets,
        clock=core.clock,
        ids=core.ids,
    )
    revoke_api_key = providers.Factory(RevokeApiKey, uow=persistence.uow, clock=core.clock)
    set_tenant_currency = providers.Factory(
        SetTenantCurrency, uow=persistence.uow, clock=core.clock
    )
    authenticate = providers.Factory(
        Authenticate, directory=persistence.directory, secrets=security.api_key_secrets
    )
    queries = providers.Factory(IdentityQueries, uow=persistence.uow)


class CrmContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    persistence = providers.DependenciesContainer()

    create_organization = providers.Factory(
        CreateOrganization, persistence.uow, core.clock, core.ids
    )
    update_organization = providers.Factory(
        UpdateOrganization, persistence.uow, core.clock, core.ids
    )
    deactivate_organization = providers.Factory(
        DeactivateOrganization, persistence.uow, core.clock, core.ids
    )
    create_contact = providers.Factory(CreateContact, persistence.uow, core.clock, core.ids)
    update_contact = providers.Factory(UpdateContact, persistence.uow, core.clock, core.ids)
    deactivate_contact = providers.Factory(DeactivateContact, persistence.uow, core.clock, core.ids)
    queries = providers.Factory(CrmQueries, uow=persistence.uow)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.Container(CoreContainer)
    persistence = providers.Container(SqlPersistenceContainer, settings=settings, core=core)
    security = providers.Container(SecurityContainer)
    identity = providers.Container(
        IdentityContainer, core=core, persistence=persistence, security=security
    )
    crm = providers.Container(CrmContainer, core=core, persistence=persistence)


def build_container(
    settings: Settings, *, persistence: Literal["sql", "memory"] = "sql"
) -> Container:
    container = Container(settings=settings)
    if persistence == "memory":
        fakes = InMemoryPersistenceContainer(settings=settings, core=container.core)
        for port in PERSISTENCE_PORTS:
            getattr(container.persistence, port).override(getattr(fakes, port))
    else:
        start_mappers()
    return container
