"""The composition root: one container per adapter family, composed; nothing built at import.

``build_container(settings)`` wires the real adapters. ``build_container(settings,
persistence="memory")`` swaps the whole persistence family for its in-memory fakes, which is how
tests (and architects trying an adapter) replace a family without touching the use cases.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Literal

from dependency_injector import containers, providers
from sqlalchemy.engine import make_url

from adapters.documents.cache import CachedQuoteDocuments
from adapters.documents.images import PillowImageProbe
from adapters.documents.invoice_pdf import ReportlabInvoiceDocuments
from adapters.documents.quote_pdf import ReportlabQuoteDocuments
from adapters.notifications.mailbox import LocalMailbox
from adapters.notifications.smtp import SmtpMailer
from adapters.persistence.billing import SqlAlchemyPaymentWatchlist
from adapters.persistence.database import (
    SqlAlchemyProbe,
    control_engine,
    create_engine,
    is_sqlite,
    normalize_url,
    session_factory,
)
from adapters.persistence.directory import SqlAlchemyDirectory
from adapters.persistence.idempotency import SqlAlchemyIdempotencyStore
from adapters.persistence.links import SqlAlchemyExternalLinks
from adapters.persistence.memory import (
    InMemoryDatabase,
    InMemoryDirectory,
    InMemoryProbe,
    InMemoryUnitOfWorkFactory,
)
from adapters.persistence.memory_idempotency import InMemoryIdempotencyStore
from adapters.persistence.memory_sync import (
    InMemoryExternalLinks,
    InMemoryNotificationQueue,
    InMemoryOutboxQueue,
    InMemoryPaymentWatchlist,
    InMemorySyncErrors,
    InMemorySyncJobs,
)
from adapters.persistence.orm import start_mappers
from adapters.persistence.outbox import SqlAlchemyOutboxQueue
from adapters.persistence.records import SqlAlchemyNotificationQueue
from adapters.persistence.sync_errors import SqlAlchemySyncErrors
from adapters.persistence.sync_jobs import SqlAlchemySyncJobs
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWorkFactory
from adapters.security.answers import FernetAnswerSealer
from adapters.security.api_keys import Sha256ApiKeySecrets
from adapters.security.vault import FernetVault, VaultKeyMissing, local_secret_key
from adapters.system import SystemClock, uuid7
from adapters.vendors.kit.limits import InMemoryVendorLimits, PostgresVendorLimits
from adapters.vendors.kit.links import CachedExternalLinks
from application.billing.actions import PaymentActions, ResolvePendingRefunds
from application.billing.documents import PortalInvoiceDocument, VendorInvoicePdfs
from application.billing.imports import pull_appliers
from application.billing.methods import AddPaymentMethod
from application.billing.payments import ResolvePendingPayments, TakePayment
from application.billing.policies import (
    billing_policy,
)
from application.billing.portal import PortalBilling
from application.billing.portal_payments import PortalPaymentOptions, RemovePaymentMethod
from application.billing.queries import BillingQueries
from application.billing.settings import ChangePaymentSettings, PaymentSettingsQueries
from application.billing.watch import WatchPayments
from application.catalog.use_cases import CreateCategory, CreateItem, ReviseCategory, ReviseItem
from application.crm.queries import CrmQueries
from application.crm.use_cases import (
    CreateContact,
    CreateOrganization,
    DeactivateContact,
    DeactivateOrganization,
    UpdateContact,
    UpdateOrganization,
)
from application.identity.branding import BrandingQueries, ChangeBranding, SetLogo
from application.identity.portal_access import InvitePortalContact, SignInWithInvitation
from application.identity.queries import IdentityQueries
from application.identity.use_cases import (
    Authenticate,
    CreateTenant,
    IssueApiKey,
    IssuePortalToken,
    RevokeApiKey,
    SetTenantCurrency,
)
from application.integrations.callbacks import ReceiveCallback
from application.integrations.connections import (
    CompleteAuthorization,
    ConnectionChoices,
    ConnectionConfigs,
    ConnectionQueries,
    ConnectSystem,
    StartAuthorization,
    StoredCredentials,
    TestConnection,
    UpdateConnection,
)
from application.integrations.policies import combine, sync_policy
from application.integrations.pulls import PullRunner, SyncNow
from application.integrations.scheduler import SyncScheduler
from application.integrations.sync_errors import SyncErrors
from application.integrations.vendors import VendorKit
from application.integrations.worker import OutboxWorker, WorkerSettings
from application.notifications.links import PortalLinks
from application.notifications.ports import Mailer
from application.notifications.sender import SendNotifications
from application.quotes.policies import quote_policy
from application.quotes.portal import PortalQuotes
from application.quotes.queries import QuoteQueries
from application.quotes.search import PsaSearch
from application.quotes.use_cases import (
    AddLine,
    ChangeLine,
    CreateQuote,
    LoseQuote,
    PublishQuote,
    RemoveLine,
    RenderQuote,
    ReviseQuote,
    SetQuoteDiscount,
    WinQuote,
)
from application.shared.idempotency import IdempotentRequests
from application.shared.unit_of_work import SyncPolicy
from entrypoints.settings import Settings
from entrypoints.vendors import build_vendors, hub_deliverers


def hub_policy(link_url: str) -> SyncPolicy:
    """Every context's sync policy, asked inside each commit (INT-5); emails link to
    ``link_url`` through a sign-in link of their own (secrets made as the API keys' are)."""
    links = PortalLinks(link_url, Sha256ApiKeySecrets())
    return combine(sync_policy, billing_policy(links), quote_policy)


# What the rest of the hub asks of a persistence family; each family provides all of them.
PERSISTENCE_PORTS = (
    "uow",
    "directory",
    "idempotency",
    "probe",
    "outbox",
    "links",
    "link_store",
    "sync_errors",
    "jobs",
    "limits",
    "notification_queue",
    "payment_watchlist",
)


class CoreContainer(containers.DeclarativeContainer):
    clock = providers.Singleton(SystemClock)
    ids = providers.Object(uuid7)


class SqlPersistenceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()

    engine = providers.Singleton(create_engine, settings.provided.database_url)
    sessions = providers.Singleton(session_factory, engine)
    control = providers.Singleton(control_engine, settings.provided.database_url, engine)
    policy = providers.Singleton(hub_policy, settings.provided.link_url)
    uow = providers.Singleton(SqlAlchemyUnitOfWorkFactory, sessions, policy, core.clock)
    directory = providers.Singleton(SqlAlchemyDirectory, sessions)
    idempotency = providers.Singleton(SqlAlchemyIdempotencyStore, sessions)
    probe = providers.Singleton(SqlAlchemyProbe, engine, control)
    outbox = providers.Singleton(
        SqlAlchemyOutboxQueue,
        sessions,
        core.clock,
        core.ids,
        control=providers.Singleton(session_factory, control),
    )
    link_store = providers.Singleton(SqlAlchemyExternalLinks, sessions, core.clock)
    links = providers.Singleton(CachedExternalLinks, link_store)  # for deliveries
    sync_errors = providers.Singleton(SqlAlchemySyncErrors, sessions, core.clock)
    jobs = providers.Singleton(SqlAlchemySyncJobs, sessions, core.clock, core.ids)
    notification_queue = providers.Singleton(SqlAlchemyNotificationQueue, sessions, core.clock)
    payment_watchlist = providers.Singleton(SqlAlchemyPaymentWatchlist, sessions)
    # Shared by every worker process on PostgreSQL; the embedded database has one process.
    limits = providers.Singleton(
        lambda engine, url: (
            InMemoryVendorLimits() if is_sqlite(url) else PostgresVendorLimits(engine)
        ),
        engine,
        settings.provided.database_url,
    )


class InMemoryPersistenceContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()

    database = providers.Singleton(InMemoryDatabase)
    policy = providers.Singleton(hub_policy, settings.provided.link_url)
    uow = providers.Singleton(InMemoryUnitOfWorkFactory, database, policy)
    directory = providers.Singleton(InMemoryDirectory, database)
    idempotency = providers.Singleton(InMemoryIdempotencyStore)
    probe = providers.Singleton(InMemoryProbe)
    outbox = providers.Singleton(InMemoryOutboxQueue, database, core.clock, core.ids)
    link_store = providers.Singleton(InMemoryExternalLinks, database)
    links = providers.Singleton(CachedExternalLinks, link_store)  # for deliveries
    sync_errors = providers.Singleton(InMemorySyncErrors, database, core.clock)
    jobs = providers.Singleton(InMemorySyncJobs, database, core.clock, core.ids)
    notification_queue = providers.Singleton(InMemoryNotificationQueue, database, core.clock)
    payment_watchlist = providers.Singleton(InMemoryPaymentWatchlist, database)
    limits = providers.Singleton(InMemoryVendorLimits)


class SecurityContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    api_key_secrets = providers.Singleton(Sha256ApiKeySecrets)
    vault = providers.Singleton(lambda s: FernetVault(vault_secret(s)), settings)
    answer_sealer = providers.Singleton(lambda s: FernetAnswerSealer(vault_secret(s)), settings)


def vault_secret(settings: Settings) -> str:
    """Q2C_SECRET_KEY, or on the embedded database a key made once beside it (0600)."""
    if settings.secret_key:
        return settings.secret_key
    if is_sqlite(settings.database_url):
        database = make_url(normalize_url(settings.database_url)).database or "var/q2c.db"
        return local_secret_key(Path(database).parent / "secret.key")
    raise VaultKeyMissing("set Q2C_SECRET_KEY: it encrypts the vendors' credentials at rest")


class IntegrationsContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    persistence = providers.DependenciesContainer()
    security = providers.DependenciesContainer()
    settings = providers.Dependency(instance_of=Settings)

    # Every vendor adapter and registry comes from the one list in entrypoints/vendors.py.
    kit = providers.Singleton(
        VendorKit,
        persistence.limits,
        persistence.links,
        settings.provided.vendor_timeout_seconds,
        # Rotated OAuth tokens (QuickBooks) kept with their connection, sealed (INT-1).
        credentials=providers.Singleton(
            StoredCredentials, persistence.uow, security.vault, core.clock
        ),
    )
    vendors = providers.Singleton(build_vendors, kit)
    # A retried push renders nothing again: the PDFs rendered last are kept by snapshot.
    documents = providers.Singleton(
        CachedQuoteDocuments, providers.Singleton(ReportlabQuoteDocuments)
    )
    quoting = providers.Singleton(lambda v: v.quoting(), vendors)
    settings_policies = providers.Singleton(lambda v: v.settings(), vendors)
    accounting = providers.Singleton(lambda v: v.the_accounting_system(), vendors)
    gateway = providers.Singleton(lambda v: v.the_gateway(), vendors)
    testers = providers.Singleton(lambda v: v.testers(), vendors)
    pullers = providers.Singleton(lambda v: v.pullers(), vendors)
    deliverers = providers.Singleton(
        hub_deliverers,
        vendors,
        uow=persistence.uow,
        clock=core.clock,
        documents=documents,
        links=persistence.links,
        accounting=accounting,
    )

    configs = providers.Singleton(ConnectionConfigs, persistence.uow, security.vault)
    connect_system = providers.Factory(
        ConnectSystem, persistence.uow, security.vault, core.clock, core.ids, settings_policies
    )
    update_connection = providers.Factory(
        UpdateConnection, persistence.uow, security.vault, core.clock, settings_policies
    )
    test_connection = providers.Factory(
        TestConnection, persistence.uow, configs, testers, core.clock
    )
    authorizers = providers.Singleton(lambda v: v.authorizers(), vendors)
    start_authorization = providers.Factory(
        StartAuthorization, persistence.uow, security.vault, core.clock, authorizers
    )
    complete_authorization = providers.Factory(
        CompleteAuthorization, persistence.uow, security.vault, core.clock, authorizers
    )
    connection_queries = providers.Factory(ConnectionQueries, persistence.uow)
    connection_choices = providers.Factory(
        ConnectionChoices,
        persistence.uow,
        configs,
        providers.Singleton(lambda v: v.choices(), vendors),
    )
    sync_errors = providers.Factory(SyncErrors, persistence.sync_errors, persistence.outbox)
    worker_settings = providers.Factory(
        lambda s: WorkerSettings(
            max_in_flight=s.worker_concurrency,
            lease_seconds=s.worker_lease_seconds,
            backoff_base_seconds=s.worker_backoff_seconds,
            backoff_cap_seconds=s.worker_backoff_cap_seconds,
            max_attempts=s.worker_max_attempts,
        ),
        settings,
    )
    owner = providers.Factory(lambda: f"worker-{uuid.uuid4().hex[:12]}")
    pull_runner = providers.Factory(
        PullRunner,
        persistence.uow,
        configs,
        pullers=pullers,
        appliers=providers.Factory(pull_appliers),
        jobs=persistence.jobs,
        clock=core.clock,
    )
    sync_now = providers.Factory(SyncNow, persistence.uow, persistence.jobs)
    receive_callback = providers.Factory(
        ReceiveCallback, persistence.directory, persistence.uow, security.vault, sync_now
    )
    scheduler = providers.Factory(
        SyncScheduler, persistence.jobs, pull_runner, core.clock, owner, sync_now
    )
    worker = providers.Factory(
        OutboxWorker,
        persistence.outbox,
        configs,
        deliverers=deliverers,
        clock=core.clock,
        settings=worker_settings,
        owner=owner,
    )


class IdentityContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
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
    issue_portal_token = providers.Factory(
        IssuePortalToken,
        uow=persistence.uow,
        secrets=security.api_key_secrets,
        clock=core.clock,
        ids=core.ids,
    )
    invite_portal_contact = providers.Factory(
        InvitePortalContact,
        uow=persistence.uow,
        secrets=security.api_key_secrets,
        clock=core.clock,
        ids=core.ids,
        base_url=settings.provided.link_url,
    )
    sign_in_with_invitation = providers.Factory(
        SignInWithInvitation,
        uow=persistence.uow,
        secrets=security.api_key_secrets,
        clock=core.clock,
        ids=core.ids,
    )
    authenticate = providers.Factory(
        Authenticate,
        directory=persistence.directory,
        secrets=security.api_key_secrets,
        clock=core.clock,
    )
    queries = providers.Factory(IdentityQueries, uow=persistence.uow)
    branding = providers.Factory(BrandingQueries, uow=persistence.uow)
    change_branding = providers.Factory(ChangeBranding, uow=persistence.uow)
    set_logo = providers.Factory(
        SetLogo, uow=persistence.uow, images=providers.Factory(PillowImageProbe)
    )


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


def mailer_for(settings: Settings) -> Mailer:
    """SMTP when Q2C_SMTP_URL is set; otherwise the local mailbox folder (PAY-13)."""
    if settings.smtp_url:
        return SmtpMailer.from_url(settings.smtp_url)
    return LocalMailbox(Path(settings.mailbox_dir))


def _vendor_invoice_pdfs(accounting: object) -> VendorInvoicePdfs | None:
    """The accounting system, where it serves its own invoice PDFs."""
    return accounting if isinstance(accounting, VendorInvoicePdfs) else None


class BillingContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()
    persistence = providers.DependenciesContainer()
    integrations = providers.DependenciesContainer()

    take_payment = providers.Factory(
        TakePayment,
        persistence.uow,
        integrations.configs,
        integrations.gateway,
        integrations.accounting,
        clock=core.clock,
        ids=core.ids,
    )
    payment_actions = providers.Factory(
        PaymentActions, persistence.uow, integrations.configs, integrations.gateway, core.clock
    )
    resolve_pending = providers.Factory(
        ResolvePendingPayments,
        persistence.uow,
        integrations.configs,
        integrations.gateway,
        core.clock,
    )
    resolve_refunds = providers.Factory(
        ResolvePendingRefunds,
        persistence.uow,
        integrations.gateway,
        core.clock,
        grace_seconds=settings.provided.pending_payment_grace_seconds,
    )
    add_payment_method = providers.Factory(
        AddPaymentMethod,
        persistence.uow,
        integrations.configs,
        integrations.gateway,
        core.clock,
        core.ids,
    )
    queries = providers.Factory(BillingQueries, persistence.uow)
    watch = providers.Factory(
        WatchPayments,
        persistence.uow,
        integrations.configs,
        integrations.gateway,
        core.clock,
        watchlist=persistence.payment_watchlist,
        resolve=resolve_pending,
        refunds=resolve_refunds,
        pending_grace_seconds=settings.provided.pending_payment_grace_seconds,
        interval_seconds=settings.provided.payment_watch_seconds,
    )
    mailer = providers.Singleton(mailer_for, settings)
    notifications = providers.Factory(
        SendNotifications,
        persistence.notification_queue,
        mailer,
        core.clock,
        integrations.owner,
        sender=settings.provided.mail_from,
    )
    portal = providers.Factory(PortalBilling, queries)
    payment_options = providers.Factory(PortalPaymentOptions, persistence.uow)
    remove_payment_method = providers.Factory(
        RemovePaymentMethod, persistence.uow, integrations.configs, integrations.gateway
    )
    invoice_documents = providers.Singleton(ReportlabInvoiceDocuments)
    portal_invoice_document = providers.Factory(
        PortalInvoiceDocument,
        persistence.uow,
        portal,
        invoice_documents,
        integrations.configs,
        providers.Callable(_vendor_invoice_pdfs, integrations.accounting),
    )
    payment_settings = providers.Factory(PaymentSettingsQueries, persistence.uow)
    change_payment_settings = providers.Factory(ChangePaymentSettings, persistence.uow, core.clock)


class QuotesContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    persistence = providers.DependenciesContainer()
    integrations = providers.DependenciesContainer()

    create_category = providers.Factory(CreateCategory, persistence.uow, core.clock, core.ids)
    revise_category = providers.Factory(ReviseCategory, persistence.uow, core.clock, core.ids)
    create_item = providers.Factory(CreateItem, persistence.uow, core.clock, core.ids)
    revise_item = providers.Factory(ReviseItem, persistence.uow, core.clock, core.ids)
    create_quote = providers.Factory(CreateQuote, persistence.uow, core.clock, core.ids)
    revise_quote = providers.Factory(ReviseQuote, persistence.uow, core.clock, core.ids)
    add_line = providers.Factory(AddLine, persistence.uow, core.clock, core.ids)
    change_line = providers.Factory(ChangeLine, persistence.uow, core.clock, core.ids)
    remove_line = providers.Factory(RemoveLine, persistence.uow, core.clock, core.ids)
    set_discount = providers.Factory(SetQuoteDiscount, persistence.uow, core.clock, core.ids)
    publish = providers.Factory(
        PublishQuote,
        persistence.uow,
        core.clock,
        core.ids,
        integrations.configs,
        integrations.quoting,
    )
    win = providers.Factory(WinQuote, persistence.uow, core.clock, core.ids)
    lose = providers.Factory(LoseQuote, persistence.uow, core.clock, core.ids)
    render = providers.Factory(RenderQuote, persistence.uow, core.clock, integrations.documents)
    portal = providers.Factory(
        PortalQuotes, persistence.uow, core.clock, core.ids, integrations.documents
    )
    queries = providers.Factory(QuoteQueries, persistence.uow, core.clock)
    search = providers.Factory(
        PsaSearch,
        persistence.uow,
        integrations.configs,
        integrations.quoting,
        persistence.links,
    )


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.Container(CoreContainer)
    persistence = providers.Container(SqlPersistenceContainer, settings=settings, core=core)
    security = providers.Container(SecurityContainer, settings=settings)
    identity = providers.Container(
        IdentityContainer,
        settings=settings,
        core=core,
        persistence=persistence,
        security=security,
    )
    crm = providers.Container(CrmContainer, core=core, persistence=persistence)
    integrations = providers.Container(
        IntegrationsContainer,
        core=core,
        persistence=persistence,
        security=security,
        settings=settings,
    )
    billing = providers.Container(
        BillingContainer,
        settings=settings,
        core=core,
        persistence=persistence,
        integrations=integrations,
    )
    quotes = providers.Container(
        QuotesContainer, core=core, persistence=persistence, integrations=integrations
    )
    # PAY-15 at the HTTP edge: one per process (it purges expired keys now and then).
    idempotency = providers.Singleton(
        IdempotentRequests,
        persistence.idempotency,
        security.answer_sealer,
        core.clock,
        window=providers.Callable(lambda s: timedelta(hours=s.idempotency_window_hours), settings),
    )


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
