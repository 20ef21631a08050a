"""A local Autotask REST API: the vendor's paths, auth headers, bodies, paging, errors, limits.

It is what a new tenant talks to by default and what tests run against; the adapter reaches it
over HTTP exactly as it would reach Autotask. State is in memory.

Control routes for tests and demos, beside the base's ``/_sandbox/state|faults|reset`` (no auth,
never faulted): ``POST /_sandbox/autotask/invoices`` makes an invoice as Autotask's billing does
(the API itself cannot: there is no ``POST /Invoices``), with the Invoice entity's fields, e.g.
``{"companyID": 29700001, "invoiceDateTime": "2026-03-01T00:00:00", "invoiceTotal": 120.5}``;
``POST /_sandbox/autotask/invoices/{id}/void`` voids one as a user would in the UI.

Quoting: Opportunities, Quotes (with their QuoteLocations), QuoteItems under
``/Quotes/{id}/Items``, OpportunityAttachments under ``/Opportunities/{id}/Attachments``, and the
catalog (Products, Services, ServiceBundles, TaxCategories, BillingCodes), seeded on every reset
(``sandbox_seed.py``). Opportunities carry the user-defined fields ``opportunity_udf_names``
(the portal's quote URL, PAY-14) beside the hub's id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from litestar import HttpMethod, Litestar, Request, delete, get, patch, post, put, route
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.types import ControllerRouterHandler

from adapters.sandboxes.autotask.fields import SandboxRefusal
from adapters.sandboxes.autotask.store import AutotaskStore
from adapters.sandboxes.kit.base import Faults, SandboxLimits, VendorProfile, build_sandbox_app
from adapters.vendors.autotask.contract import HUB_ID_UDF

PREFIX = "/"  # the API under /atservicesrest, the controls under /_sandbox/autotask
API_ROOT = "/atservicesrest"
CONTROL_PATH = "/_sandbox/autotask"
SANDBOX_CREDENTIALS: Mapping[str, str] = {
    "username": "sandbox@q2c.local",
    "secret": "sandbox-secret",
    "integration_code": "Q2CSANDBOX",
}
_HEADERS = {"username": "UserName", "secret": "Secret", "integration_code": "ApiIntegrationCode"}
QUOTE_URL_UDF = "Quote URL"  # the Opportunity UDF a portal quote link is kept in (PAY-14)


def create_autotask_sandbox(
    faults: Faults,
    credentials: Mapping[str, str] | None = None,
    *,
    concurrent_per_endpoint: int | None = 3,
    requests_per_window: int | None = 10_000,
    window_seconds: float = 3600.0,
    limit_retry_after: float = 1.0,
    hub_id_udf: str = HUB_ID_UDF,
    udf_names: Sequence[str] = (),
    opportunity_udf_names: Sequence[str] = (QUOTE_URL_UDF,),
    picklist_offset: int = 0,
) -> Litestar:
    """Autotask under ``/atservicesrest``, with Autotask's limits unless told otherwise.

    Autotask allows 3 concurrent calls per endpoint (entity) and 10,000 requests per rolling
    hour for the whole database; tests pass smaller numbers. ``udf_names`` are user-defined
    fields of every entity that has them; ``opportunity_udf_names`` only the Opportunities'.
    ``picklist_offset`` shifts the instance's own picklist values (``instance.py``): picklist
    ids differ between Autotask databases, and the hub must read labels, not numbers.
    """
    store = AutotaskStore(
        hub_id_udf=hub_id_udf,
        udf_names=udf_names,
        entity_udf_names={"Opportunities": opportunity_udf_names},
        picklist_offset=picklist_offset,
    )
    limits = SandboxLimits(
        concurrent_per_endpoint=concurrent_per_endpoint,
        requests_per_window=requests_per_window,
        window_seconds=window_seconds,
        retry_after=limit_retry_after,
    )
    profile = VendorProfile(
        prefix=PREFIX, limits=limits, endpoint_of=endpoint_of, error_body=error_body
    )
    accepted = {**SANDBOX_CREDENTIALS, **(credentials or {})}
    routes = [*_routes(store, accepted), *_children(store, accepted), *_controls(store)]
    return build_sandbox_app(profile, store, faults, routes)


def endpoint_of(path: str) -> str | None:
    """Autotask limits calls per entity; the zone look-up is a global host, outside them."""
    parts = [part for part in path.split("/") if part]
    versions = [i for i, part in enumerate(parts) if part.lower() == "v1.0"]
    if not versions or versions[0] + 1 >= len(parts):
        return None
    entity = parts[versions[0] + 1]
    return None if entity.lower() == "zoneinformation" else entity


def error_body(messages: Sequence[str]) -> bytes:
    return json.dumps({"errors": list(messages)}).encode()


def api_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """The three headers of every Autotask call, for an API user's credentials."""
    return {header: credentials[key] for key, header in _HEADERS.items()}


class _Authenticate:
    """The three headers of every Autotask call, checked against the sandbox's API user."""

    def __init__(self, credentials: Mapping[str, str]) -> None:
        self._expected = api_headers(credentials)

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        for header, value in self._expected.items():
            if connection.headers.get(header) != value:
                raise NotAuthorizedException(
                    "Unauthorized: the API user, secret or integration code was not accepted"
                )


async def _json(request: Request[Any, Any, Any]) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise SandboxRefusal("The request body is not valid JSON") from None


def _base(request: Request[Any, Any, Any]) -> str:
    return f"{str(request.base_url).rstrip('/')}{API_ROOT}"


def _routes(store: AutotaskStore, credentials: Mapping[str, str]) -> list[ControllerRouterHandler]:
    guards = [_Authenticate(credentials)]
    api = f"{API_ROOT}/v1.0"

    @get(f"{api}/zoneInformation", sync_to_thread=False)
    def zone_information(request: Request[Any, Any, Any], user: FromQuery[str]) -> dict[str, Any]:
        if user.casefold() != credentials["username"].casefold():
            raise SandboxRefusal(f"Zone information could not be determined for user {user}")
        root = str(request.base_url).rstrip("/")
        return {
            "zoneName": "Q2C Sandbox",
            "url": f"{_base(request)}/",
            "webUrl": f"{root}/",
            "ci": 0,
        }

    @post(f"{api}/{{entity:str}}", guards=guards, status_code=200)
    async def create(entity: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"itemId": store.create(entity, await _json(request))}

    @patch(f"{api}/{{entity:str}}", guards=guards)
    async def update(entity: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"itemId": store.update(entity, await _json(request))}

    @put(f"{api}/{{entity:str}}", guards=guards)
    async def replace(entity: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"itemId": store.update(entity, await _json(request), replace=True)}

    @get(f"{api}/{{entity:str}}/{{item_id:int}}", guards=guards, sync_to_thread=False)
    def read(entity: FromPath[str], item_id: FromPath[int]) -> dict[str, Any]:
        return {"item": store.get(entity, item_id)}

    @post(f"{api}/{{entity:str}}/query", guards=guards, status_code=200)
    async def query(
        entity: FromPath[str], request: Request[Any, Any, Any], paging: FromQuery[int | None] = None
    ) -> dict[str, Any]:
        result = store.query(entity, await _json(request), after=paging)
        next_url = None
        if result.next_after is not None:
            next_url = f"{_base(request)}/v1.0/{entity}/query?paging={result.next_after}"
        details = {
            "count": len(result.items),
            "requestCount": result.max_records,
            "prevPageUrl": None,
            "nextPageUrl": next_url,
        }
        return {"items": result.items, "pageDetails": details}

    @post(f"{api}/{{entity:str}}/query/count", guards=guards, status_code=200)
    async def count(entity: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
        return {"queryCount": store.count(entity, await _json(request))}

    @delete(
        f"{api}/{{entity:str}}/{{item_id:int}}",
        guards=guards,
        status_code=200,
        sync_to_thread=False,
    )
    def remove(entity: FromPath[str], item_id: FromPath[int]) -> dict[str, Any]:
        return {"itemId": store.delete(entity, item_id)}

    return [
        zone_information,
        create,
        update,
        replace,
        read,
        remove,
        query,
        count,
        *_information(store, guards),
    ]


def _information(
    store: AutotaskStore, guards: list[_Authenticate]
) -> list[ControllerRouterHandler]:
    """``/{Entity}/entityInformation``: the entity, its fields (with picklists), its UDFs."""
    info = f"{API_ROOT}/v1.0/{{entity:str}}/entityInformation"

    @get(info, guards=guards, sync_to_thread=False)
    def entity(entity: FromPath[str]) -> dict[str, Any]:
        return {"info": store.entity_info(entity)}

    @get(f"{info}/fields", guards=guards, sync_to_thread=False)
    def fields(entity: FromPath[str]) -> dict[str, Any]:
        return {"fields": store.fields(entity)}

    @get(f"{info}/userDefinedFields", guards=guards, sync_to_thread=False)
    def udfs(entity: FromPath[str]) -> dict[str, Any]:
        return {"fields": store.udf_fields(entity)}

    return [entity, fields, udfs]


def _children(
    store: AutotaskStore, credentials: Mapping[str, str]
) -> list[ControllerRouterHandler]:
    """Child entities (a Company's Contacts, a Quote's Items, an Opportunity's Attachments)
    are created, updated, listed and deleted under their parent."""
    guards = [_Authenticate(credentials)]
    path = f"{API_ROOT}/v1.0/{{parent:str}}/{{parent_id:int}}/{{child:str}}"
    writes = [HttpMethod.POST, HttpMethod.PATCH, HttpMethod.PUT]

    @route(path, http_method=writes, guards=guards, status_code=200)
    async def write_child(
        parent: FromPath[str],
        parent_id: FromPath[int],
        child: FromPath[str],
        request: Request[Any, Any, Any],
    ) -> dict[str, Any]:
        body = await _json(request)
        if request.method == HttpMethod.POST:
            return {"itemId": store.create_child(parent, parent_id, child, body)}
        replace = request.method == HttpMethod.PUT
        return {"itemId": store.update_child(parent, parent_id, child, body, replace=replace)}

    @get(path, guards=guards, sync_to_thread=False)
    def list_children(
        parent: FromPath[str], parent_id: FromPath[int], child: FromPath[str]
    ) -> dict[str, Any]:
        items = store.children(parent, parent_id, child)
        details = {
            "count": len(items),
            "requestCount": 500,
            "prevPageUrl": None,
            "nextPageUrl": None,
        }
        return {"items": items, "pageDetails": details}

    @get(f"{path}/{{item_id:int}}", guards=guards, sync_to_thread=False)
    def read_child(
        parent: FromPath[str],
        parent_id: FromPath[int],
        child: FromPath[str],
        item_id: FromPath[int],
    ) -> dict[str, Any]:
        return {"item": store.child(parent, parent_id, child, item_id)}

    @delete(f"{path}/{{item_id:int}}", guards=guards, status_code=200, sync_to_thread=False)
    def delete_child(
        parent: FromPath[str],
        parent_id: FromPath[int],
        child: FromPath[str],
        item_id: FromPath[int],
    ) -> dict[str, Any]:
        return {"itemId": store.delete_child(parent, parent_id, child, item_id)}

    return [write_child, list_children, read_child, delete_child]


def _controls(store: AutotaskStore) -> list[ControllerRouterHandler]:
    """Knobs for tests and demos: what Autotask's own users and billing do."""

    @post(f"{CONTROL_PATH}/invoices", status_code=200)
    async def seed_invoice(request: Request[Any, Any, Any]) -> dict[str, Any]:
        item_id = store.seed("Invoices", await _json(request))
        return {"itemId": item_id, "item": store.get("Invoices", item_id)}

    @post(f"{CONTROL_PATH}/invoices/{{item_id:int}}/void", status_code=200, sync_to_thread=False)
    def void_invoice(item_id: FromPath[int]) -> dict[str, Any]:
        return {"item": store.void_invoice(item_id)}

    @post(f"{CONTROL_PATH}/companies", status_code=200)
    async def seed_companies(request: Request[Any, Any, Any]) -> dict[str, Any]:
        """Many companies at once, each made as ``POST /Companies`` makes it (a large PSA)."""
        bodies = await _json(request)
        if not isinstance(bodies, list):
            raise SandboxRefusal("send a JSON list of Company bodies")
        return {"itemIds": [store.create("Companies", body) for body in bodies]}

    return [seed_invoice, void_invoice, seed_companies]
