"""The Litestar app factory: routes, auth, errors, docs and metrics, wired from a container."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from litestar import Controller, Litestar, Request, Router
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig

from application.identity.ports import Principal
from entrypoints.containers import Container, vault_secret
from entrypoints.http.assets import SWAGGER, asset_routers
from entrypoints.http.auth import ApiKeyAuthMiddleware
from entrypoints.http.body import MAX_BODY, BodyGuardMiddleware
from entrypoints.http.controllers.billing import (
    InvoiceController,
    PaymentController,
    PaymentMethodController,
)
from entrypoints.http.controllers.branding import BrandingController
from entrypoints.http.controllers.catalog import CatalogController
from entrypoints.http.controllers.connections import ConnectionController, OAuthCallbackController
from entrypoints.http.controllers.contacts import ContactController
from entrypoints.http.controllers.hooks import HookController
from entrypoints.http.controllers.identity import ApiKeyController, TenantController
from entrypoints.http.controllers.organizations import OrganizationController
from entrypoints.http.controllers.payment_settings import PaymentSettingsController
from entrypoints.http.controllers.portal import PortalController, PortalTokenController
from entrypoints.http.controllers.portal_invitations import PortalInvitationController
from entrypoints.http.controllers.psa_search import (
    PortalOpportunityController,
    PsaSearchController,
)
from entrypoints.http.controllers.quotes import QuoteController
from entrypoints.http.controllers.sync import SyncController
from entrypoints.http.controllers.system import HealthController
from entrypoints.http.idempotency import IdempotencyMiddleware
from entrypoints.http.metrics import metrics_controller
from entrypoints.http.openapi import make_truthful
from entrypoints.http.portal_pages.branding import PortalLogo
from entrypoints.http.portal_pages.pages import PortalPages, on_forbidden
from entrypoints.http.portal_pages.rendering import template_config
from entrypoints.http.portal_pages.session import csrf_config
from entrypoints.http.problems import EXCEPTION_HANDLERS
from entrypoints.http.request_log import RequestContextMiddleware
from entrypoints.settings import Settings

API_VERSION = "0.1.0"


def _principal(request: Request[Principal, Any, Any]) -> Principal:
    return request.user


def _from(provider: Callable[[], object]) -> Provide:
    def dependency() -> object:
        return provider()

    return Provide(dependency, sync_to_thread=False)


def _dependencies(container: Container) -> dict[str, Provide]:
    crm, identity = container.crm, container.identity
    providers: dict[str, Callable[[], object]] = {
        "create_organization": crm.create_organization,
        "update_organization": crm.update_organization,
        "deactivate_organization": crm.deactivate_organization,
        "create_contact": crm.create_contact,
        "update_contact": crm.update_contact,
        "deactivate_contact": crm.deactivate_contact,
        "crm_queries": crm.queries,
        "issue_api_key": identity.issue_api_key,
        "issue_portal_token": identity.issue_portal_token,
        "invite_portal_contact": identity.invite_portal_contact,
        "sign_in_with_invitation": identity.sign_in_with_invitation,
        "authenticate": identity.authenticate,
        "settings": container.settings,
        "revoke_api_key": identity.revoke_api_key,
        "set_tenant_currency": identity.set_tenant_currency,
        "identity_queries": identity.queries,
        "branding_queries": identity.branding,
        "change_branding": identity.change_branding,
        "set_logo": identity.set_logo,
        "probe": container.persistence.probe,
        "connect_system": container.integrations.connect_system,
        "update_connection": container.integrations.update_connection,
        "test_connection": container.integrations.test_connection,
        "start_authorization": container.integrations.start_authorization,
        "complete_authorization": container.integrations.complete_authorization,
        "connection_queries": container.integrations.connection_queries,
        "connection_choices": container.integrations.connection_choices,
        "receive_callback": container.integrations.receive_callback,
        "sync_errors": container.integrations.sync_errors,
        "sync_now": container.integrations.sync_now,
        "sync_jobs": container.persistence.jobs,
        "take_payment": container.billing.take_payment,
        "payment_actions": container.billing.payment_actions,
        "add_payment_method": container.billing.add_payment_method,
        "billing_queries": container.billing.queries,
        "portal_billing": container.billing.portal,
        "payment_options": container.billing.payment_options,
        "remove_payment_method": container.billing.remove_payment_method,
        "portal_invoice_document": container.billing.portal_invoice_document,
        "payment_settings": container.billing.payment_settings,
        "change_payment_settings": container.billing.change_payment_settings,
        "create_category": container.quotes.create_category,
        "revise_category": container.quotes.revise_category,
        "create_item": container.quotes.create_item,
        "revise_item": container.quotes.revise_item,
        "create_quote": container.quotes.create_quote,
        "revise_quote": container.quotes.revise_quote,
        "add_line": container.quotes.add_line,
        "change_line": container.quotes.change_line,
        "remove_line": container.quotes.remove_line,
        "set_quote_discount": container.quotes.set_discount,
        "publish_quote": container.quotes.publish,
        "win_quote": container.quotes.win,
        "lose_quote": container.quotes.lose,
        "render_quote": container.quotes.render,
        "portal_quotes": container.quotes.portal,
        "quote_queries": container.quotes.queries,
        "psa_search": container.quotes.search,
    }
    return {"principal": Provide(_principal, sync_to_thread=False)} | {
        name: _from(provider) for name, provider in providers.items()
    }


class _Completing:
    """Completes Litestar's document (``make_truthful``) the first time a page serves it.

    In place and once: Litestar keeps the document it derived. Not with the app: deriving it
    takes longer than the rest of the app's set-up, and most apps (a worker's, a test's) never
    serve it.
    """

    def __init__(self) -> None:
        self._completed: dict[str, Any] | None = None

    def __call__(self, document: dict[str, Any]) -> dict[str, Any]:
        if self._completed is not document:
            make_truthful(document)
            self._completed = document
        return document


class _Completed:
    """Mixed into a render plugin: what it serves is the completed document."""

    complete: _Completing

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        rendered: bytes = super().render(request, self.complete(openapi_schema))  # type: ignore[misc]
        return rendered


class _SwaggerPage(_Completed, SwaggerRenderPlugin): ...


class _JsonDocument(_Completed, JsonRenderPlugin): ...


class _YamlDocument(_Completed, YamlRenderPlugin): ...


R = TypeVar("R", bound=_Completed)


def _completing(plugin: R, complete: _Completing) -> R:
    plugin.complete = complete
    return plugin


def _openapi() -> OpenAPIConfig:
    complete = _Completing()
    return OpenAPIConfig(
        title="Quote-to-Cash Hub API",
        version=API_VERSION,
        description="Quotes to the PSA, invoices through QuickBooks, payments through BNG. "
        "Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 "
        "problem details.",
        path="/schema",
        render_plugins=[
            _completing(
                _SwaggerPage(
                    path="/",
                    js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
                    favicon=f"<link rel='icon' href='{SWAGGER}/favicon-32x32.png'>",
                ),
                complete,
            ),
            _completing(_JsonDocument(), complete),
            _completing(_YamlDocument(), complete),
        ],
        components=Components(
            security_schemes={
                "ApiKey": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="an API key made by `q2c tenant create`",
                )
            }
        ),
        security=[{"ApiKey": []}],
    )


def _with_their_dependencies(
    controllers: Sequence[type[Controller]], dependencies: dict[str, Provide]
) -> list[Router]:
    """Each controller under a router that provides only what its handlers take.

    Litestar resolves and checks every dependency in reach for every handler when the app is
    made: the whole list at the app's level cost each app (every test's) a tenth of a second.
    A handler taking a dependency its controller is not given fails when the app is made.
    """
    routed = []
    for controller in controllers:
        handlers = [h for h in vars(controller).values() if isinstance(h, HTTPRouteHandler)]
        declared = [vars(c).get("dependencies") for c in controller.__mro__]
        own = [p for d in declared if isinstance(d, dict) for p in d.values()]
        own += [p for h in handlers for p in (h.dependencies or {}).values()]
        functions = [h.fn for h in handlers]
        functions += [p.dependency if isinstance(p, Provide) else p for p in own]
        taken = {name for fn in functions for name in inspect.signature(fn).parameters}
        wanted = {name: provide for name, provide in dependencies.items() if name in taken}
        routed.append(Router(path="/", route_handlers=[controller], dependencies=wanted))
    return routed


def create_app(container: Container, mounts: Sequence[ASGIRouteHandler] = ()) -> Litestar:
    """The API; ``mounts`` adds ASGI apps beside it (``q2c serve`` mounts the sandboxes)."""
    metrics = PrometheusConfig(app_name="q2c", prefix="q2c", group_path=True, exclude=["^/metrics"])
    authenticate = container.identity.authenticate()
    settings: Settings = container.settings()

    async def close() -> None:
        # Every vendor's clients (the PSA searches, the gateway, QuickBooks), the vendor limits'
        # idle slots and heartbeat (given back now, not when their lease runs out), then the
        # database. Each can be used again after it: an app started anew reopens them.
        await container.integrations.vendors().aclose()
        await container.persistence.limits().close()
        await container.persistence.probe().close()

    controllers: list[type[Controller]] = [
        OrganizationController,
        ContactController,
        TenantController,
        BrandingController,
        ApiKeyController,
        ConnectionController,
        OAuthCallbackController,
        HookController,
        SyncController,
        InvoiceController,
        PaymentController,
        PaymentMethodController,
        PaymentSettingsController,
        PortalTokenController,
        PortalController,
        CatalogController,
        QuoteController,
        PsaSearchController,
        PortalOpportunityController,
        PortalInvitationController,
        PortalPages,
        PortalLogo,
        HealthController,
    ]
    return Litestar(
        route_handlers=[
            *_with_their_dependencies(controllers, _dependencies(container)),
            metrics_controller(settings.metrics_token),
            *asset_routers(),
            *mounts,
        ],
        middleware=[
            RequestContextMiddleware,
            metrics.middleware,
            DefineMiddleware(ApiKeyAuthMiddleware, authenticate=authenticate),
            DefineMiddleware(BodyGuardMiddleware, body_timeout=settings.http_body_timeout_seconds),
            DefineMiddleware(IdempotencyMiddleware, requests=container.idempotency()),
        ],
        request_max_body_size=MAX_BODY,
        exception_handlers={**EXCEPTION_HANDLERS, PermissionDeniedException: on_forbidden},
        openapi_config=_openapi(),
        template_config=template_config(),
        csrf_config=csrf_config(
            vault_secret(settings), secure=settings.link_url.startswith("https")
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        on_shutdown=[close],
        logging_config=None,  # structlog is configured once, by the entrypoint
        debug=False,
    )
