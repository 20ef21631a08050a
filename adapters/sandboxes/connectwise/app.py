"""A local ConnectWise PSA (Manage) REST API, speaking the contract (``contracts/connectwise.md``).

- ``GET /login/companyinfo/{companyId}``: no auth; the codebase (``v2025_1/``), or 200 ``null``
  for a company id it does not know.
- ``/{codebase}/apis/3.0/…`` (also ``v4_6_release``): Basic auth ``company+public:private`` and a
  ``clientId`` header on every call (a missing ``clientId`` is a 401: the sandbox's choice, the
  notes found no source); ``api-current-version`` on every answer.
- Lists: ``conditions`` and ``childConditions`` (a strict subset: an unknown field or bad
  syntax is 400 ``ApiFindCondition``), ``orderBy``, ``page``/``pageSize`` (25, at most 1000)
  with the ``Link`` header as the Developer Guide prints it, and ``…/count``.
- Writes: POST (201 with the record), PATCH with a JSON-Patch array only (PUT is refused: the
  hub updates with PATCH), DELETE (204; a company goes to the recycle bin). Required fields,
  lengths and references are checked with ConnectWise's ``InvalidObject`` bodies.
- ``/system/documents``: multipart only (JSON is 415), listed by ``recordType``/``recordId``.
- Callbacks (``/system/callbacks``): a change of a company or contact is posted to each
  entry of its type, ConnectWise's payload, in the background (``callbacks.py``).
- Faults: the kit's (429 with ``Retry-After`` and DG's body, 502/503, hangs, drops), and
  ConnectWise's own knobs: the next N writes happen and then answer 500 "A timeout has occured",
  and resources the API member's role denies (403).

Control routes (no auth, never faulted), beside ``/_sandbox/state|faults|reset``:
``PUT /_sandbox/connectwise/knobs`` ``{"timeouts_after_write": n, "denied": [path, …]}``;
``POST /_sandbox/connectwise/records/{path}`` makes a record (or each of a list) as a
ConnectWise user would (a company other people entered), unchecked;
``GET /_sandbox/connectwise/journal`` is every API call's query string, request and answer
body (the contract tests read it).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import HttpMethod, Litestar, Request, Response, get, post, put, route
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody
from litestar.types import ControllerRouterHandler

from adapters.sandboxes.connectwise.callbacks import CALLBACKS, notify
from adapters.sandboxes.connectwise.callbacks import TYPES as CALLBACK_TYPES
from adapters.sandboxes.connectwise.conditions import BadCondition, Predicate, parse, parse_child
from adapters.sandboxes.connectwise.schema import BY_PATH, Resource
from adapters.sandboxes.connectwise.store import (
    COMMUNICATIONS,
    ConnectWiseStore,
    CwError,
    bad_condition,
)
from adapters.sandboxes.kit.base import Faults, SandboxLimits, VendorProfile, build_sandbox_app
from adapters.vendors.connectwise.contract import (
    API_VERSION,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    TIMEOUT_MESSAGE,
    basic_auth,
)

CODEBASE = "v2025_1/"
CODEBASES = ("v2025_1", "v4_6_release")
SANDBOX_COMPANY = "q2csandbox"
SANDBOX_CREDENTIALS: Mapping[str, str] = {
    "company_id": SANDBOX_COMPANY,
    "public_key": "SandboxPublicKey",
    "private_key": "SandboxPrivateKey",
    "client_id": "2b6a3c1e-0d4f-4a8e-9a57-0c2c5a4d0b01",
}
CONTROL = "/_sandbox/connectwise"
SYSTEM_INFO = {
    "version": "v2025.1.0",
    "isCloud": True,
    "serverTimeZone": "Eastern Standard Time",
    "cloudRegion": "NA",
}


def create_connectwise_sandbox(
    faults: Faults,
    credentials: Mapping[str, str] | None = None,
    *,
    concurrent_per_endpoint: int | None = None,
    requests_per_window: int | None = 1_000,
    window_seconds: float = 60.0,
    limit_retry_after: float = 1.0,
) -> Litestar:
    """ConnectWise under ``/{codebase}/apis/3.0``. ConnectWise publishes no concurrency
    number and warns from about 1,000 requests a minute (DG "Rate Limiting")."""
    store = ConnectWiseStore()
    limits = SandboxLimits(
        concurrent_per_endpoint=concurrent_per_endpoint,
        requests_per_window=requests_per_window,
        window_seconds=window_seconds,
        retry_after=limit_retry_after,
    )
    profile = VendorProfile(
        prefix="/", limits=limits, endpoint_of=endpoint_of, error_body=error_body
    )
    accepted = {**SANDBOX_CREDENTIALS, **(credentials or {})}
    routes = [*_api(store, accepted), *_controls(store, accepted["company_id"])]
    return build_sandbox_app(profile, store, faults, routes)


def endpoint_of(path: str) -> str | None:
    """Limits and faults on the API, per resource; the company-info look-up stays outside."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 4 or parts[1:3] != ["apis", "3.0"]:
        return None
    return "/".join(parts[3:5])


def error_body(messages: Sequence[str]) -> bytes:
    """What a 429 says (DG's sample: the key is ``error``, not ``code``)."""
    return json.dumps({"error": "ConnectWiseAPI", "message": " / ".join(messages)}).encode()


def _answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[bytes]:
    content = b"" if status == 204 else json.dumps(body).encode()
    return Response(
        content,
        status_code=status,
        media_type="application/json",
        headers={"api-current-version": API_VERSION, **(headers or {})},
    )


def _locate(rest: str) -> tuple[Resource, int | None, list[str]]:
    """The resource a path names, its parent id (a contact's communications), what follows."""
    parts = [p for p in rest.split("/") if p]
    if (
        len(parts) >= 4
        and "/".join(parts[:2]).casefold() == "company/contacts"
        and parts[3].casefold() == "communications"
        and parts[2].isdigit()
    ):
        return BY_PATH[COMMUNICATIONS], int(parts[2]), parts[4:]
    for size in (3, 2):
        found = BY_PATH.get("/".join(parts[:size]).casefold())
        if found is not None and found.path != COMMUNICATIONS:
            return found, None, parts[size:]
    raise CwError(404, "ConnectWiseApi", "The endpoint does not exist.")


def _authenticate(request: Request[Any, Any, Any], credentials: Mapping[str, str]) -> None:
    expected = basic_auth(
        credentials["company_id"], credentials["public_key"], credentials["private_key"]
    )
    given = request.headers.get("authorization", "")
    if given != expected:
        company = _company_of(given)
        if company is not None and company.casefold() != credentials["company_id"].casefold():
            raise CwError(401, "Unauthorized", f"Company {company!r} could not be found")
        raise CwError(401, "Unauthorized", "The public and private key pair was not accepted")
    if not request.headers.get("clientid", "").strip():
        raise CwError(401, "Unauthorized", "A clientId header is required on every call")


def _company_of(header: str) -> str | None:
    try:
        raw = base64.b64decode(header.removeprefix("Basic ").strip(), validate=True).decode()
    except ValueError:
        return None
    company, plus, _ = raw.partition("+")
    return company if plus else None


def _api(store: ConnectWiseStore, credentials: Mapping[str, str]) -> list[ControllerRouterHandler]:
    @get("/login/companyinfo/{company_id:str}", sync_to_thread=False)
    def company_info(company_id: FromPath[str]) -> Response[bytes]:
        if company_id.casefold() != credentials["company_id"].casefold():
            return _answer(200, None)  # ConnectWise's answer for a company it does not know
        return _answer(
            200,
            {
                "CompanyName": "Q2C Sandbox MSP",
                "Codebase": CODEBASE,
                "VersionCode": f"v{API_VERSION}",
                "VersionNumber": "v2025.1.0",
                "CompanyID": credentials["company_id"],
                "IsCloud": True,
            },
        )

    methods = [HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.PUT, HttpMethod.DELETE]

    @route("/{codebase:str}/apis/3.0/{rest:path}", http_method=methods)
    async def api(
        codebase: FromPath[str], rest: FromPath[str], request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        call = _Call(store, request, codebase, rest.strip("/"))
        try:
            status, body, headers = await _handle(call, credentials)
        except CwError as error:
            status, body, headers = error.status, error.body(), {}
        call.entry.update(status=status, response=body)
        _journal(store, call.entry)
        if 200 <= status < 300 and call.method in _ACTIONS and not call.tail[1:]:
            _changed(store, call, body, credentials["company_id"])
        return _answer(status, body, headers)

    return [company_info, api]


_ACTIONS = {"POST": "added", "PATCH": "updated", "DELETE": "deleted"}


def _changed(store: ConnectWiseStore, call: _Call, body: Any, company_id: str) -> None:
    """A company or contact written: the callbacks registered for its type are sent."""
    path = call.resource.path
    if path not in CALLBACK_TYPES or call.parent is not None:
        return
    record_id = int(body["id"]) if isinstance(body, dict) else int(call.tail[0])
    record = body if isinstance(body, dict) else None
    notify(
        store.records[CALLBACKS],
        path,
        action=_ACTIONS[call.method],
        record=record,
        record_id=record_id,
        company_id=company_id,
    )


Answer = tuple[int, Any, dict[str, str]]
JOURNAL_LIMIT = 20_000


def _journal(store: ConnectWiseStore, entry: dict[str, Any]) -> None:
    store.journal.append(entry)
    if len(store.journal) > JOURNAL_LIMIT:
        del store.journal[: JOURNAL_LIMIT // 2]


@dataclass
class _Call:
    """One API call: where it goes, and its journal entry (request and answer bodies)."""

    store: ConnectWiseStore
    request: Request[Any, Any, Any]
    codebase: str
    rest: str
    entry: dict[str, Any] = field(default_factory=dict)
    resource: Resource = BY_PATH["company/companies"]
    parent: int | None = None
    tail: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.method = self.request.method.upper()
        query = self.request.url.query
        self.entry.update(method=self.method, path=self.rest, query=query, request=None)


async def _handle(call: _Call, credentials: Mapping[str, str]) -> Answer:
    if call.codebase not in CODEBASES:
        raise CwError(404, "ConnectWiseApi", "The endpoint does not exist.")
    _authenticate(call.request, credentials)
    if call.rest.casefold() == "system/info" and call.method == "GET":
        return 200, SYSTEM_INFO, {}
    call.resource, call.parent, call.tail = _locate(call.rest)
    call.entry["resource"] = call.resource.name
    if call.resource.path in call.store.knobs.denied:
        raise CwError(
            403,
            "Forbidden",
            f"You do not have access to {call.resource.path}: "
            "the API member's security role does not allow it",
        )
    answer = await (_collection(call) if not call.tail else _item(call))
    knobs = call.store.knobs
    if call.method in ("POST", "PATCH", "DELETE") and knobs.timeouts_after_write > 0:
        knobs.timeouts_after_write -= 1  # the write stands; the answer is lost
        raise CwError(500, "ConnectWiseApi", TIMEOUT_MESSAGE)
    return answer


async def _collection(call: _Call) -> Answer:
    store, resource = call.store, call.resource
    if resource.path == "system/documents" and call.method == "POST":
        return 201, await _upload(store, call.request, resource), {}
    if call.method == "GET":
        return _page(store, call.request, resource, call.parent, call.codebase)
    if call.method == "POST" and resource.writable:
        body = await _json(call.request)
        call.entry["request"] = body
        made = store.create(resource, body, parent=call.parent)
        return 201, store.render(resource, store.raw(resource, made, parent=call.parent)), {}
    raise CwError(405, "ConnectWiseApi", f"{call.method} is not allowed on {resource.path}")


async def _item(call: _Call) -> Answer:
    store, resource, tail, parent = call.store, call.resource, call.tail, call.parent
    if tail == ["count"] and call.method == "GET":
        return 200, {"count": len(_find(store, call.request, resource, parent))}, {}
    if tail[1:] == ["download"] and resource.path == "system/documents" and tail[0].isdigit():
        store.raw(resource, int(tail[0]))
        return 200, {"size": len(store.files.get(int(tail[0]), b""))}, {}
    if len(tail) != 1 or not tail[0].isdigit():
        raise CwError(404, "ConnectWiseApi", "The endpoint does not exist.")
    record_id = int(tail[0])
    if call.method == "GET":
        return 200, store.render(resource, store.raw(resource, record_id, parent=parent)), {}
    if not resource.writable:
        raise CwError(405, "ConnectWiseApi", f"{call.method} is not allowed on {resource.path}")
    if call.method == "PATCH":
        ops = await _json(call.request)
        call.entry["request"] = ops
        store.patch(resource, record_id, ops, parent=parent)
        return 200, store.render(resource, store.raw(resource, record_id, parent=parent)), {}
    if call.method == "DELETE":
        store.delete(resource, record_id, parent=parent)
        return 204, None, {}
    raise CwError(405, "ConnectWiseApi", "The sandbox takes updates as JSON Patch (PATCH) only")


async def _json(request: Request[Any, Any, Any]) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise CwError(400, "InvalidObject", "The request body is not valid JSON") from None


async def _upload(
    store: ConnectWiseStore, request: Request[Any, Any, Any], resource: Resource
) -> Any:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise CwError(415, "ConnectWiseApi", "Documents are uploaded as multipart/form-data")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise CwError(400, "InvalidObject", "document object is invalid: no file")
    content = await upload.read()
    fields = {k: str(v) for k, v in form.items() if k != "file"}
    made = store.upload(fields, upload.filename or "document", content)
    return store.render(resource, store.raw(resource, made))


def _find(
    store: ConnectWiseStore, request: Request[Any, Any, Any], resource: Resource, parent: int | None
) -> list[dict[str, Any]]:
    params = request.query_params
    predicates: list[Predicate] = []
    try:
        if params.get("conditions"):
            predicates.append(parse(params["conditions"], resource.fields))
        if params.get("childConditions"):
            predicates.append(parse_child(params["childConditions"], resource.fields))
    except BadCondition as exc:
        raise bad_condition(str(exc)) from None
    if params.get("customFieldConditions"):
        raise bad_condition(
            "The sandbox keeps no custom fields: customFieldConditions cannot match"
        )
    if resource.path == "system/documents":
        for key in ("recordType", "recordId"):
            if params.get(key):
                predicates.append(_equals(key, params[key]))
    return store.query(
        resource, predicates, parent=parent, order=_order(params.get("orderBy"), resource)
    )


def _equals(key: str, wanted: str) -> Predicate:
    return lambda record: str(record.get(key, "")).casefold() == wanted.casefold()


def _order(order_by: str | None, resource: Resource) -> tuple[str, bool]:
    if not order_by:
        return "id", False
    name, _, direction = order_by.strip().partition(" ")
    try:
        path = resource.fields.resolve(name)
    except BadCondition as exc:
        raise bad_condition(f"orderBy: {exc}") from None
    if direction.strip().casefold() not in ("", "asc", "desc"):
        raise bad_condition(f"orderBy: {direction!r} is neither asc nor desc")
    return path[0], direction.strip().casefold() == "desc"


def _page(
    store: ConnectWiseStore,
    request: Request[Any, Any, Any],
    resource: Resource,
    parent: int | None,
    codebase: str,
) -> tuple[int, Any, dict[str, str]]:
    params = request.query_params
    try:
        page = int(params.get("page") or 1)
        size = min(int(params.get("pageSize") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    except ValueError:
        raise bad_condition("page and pageSize are numbers") from None
    if page < 1 or size < 1:
        raise bad_condition("page and pageSize start at 1")
    rows = _find(store, request, resource, parent)
    last = max((len(rows) + size - 1) // size, 1)
    chosen = rows[(page - 1) * size : page * size]
    rest = str(request.path_params["rest"]).strip("/")
    base = f"{str(request.base_url).rstrip('/')}/{codebase}/apis/3.0/{rest}"
    kept = {k: v for k, v in params.items() if k not in ("page", "pageSize")}

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode({**kept, "pageSize": size, "page": number})}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(1, "first"), link(page - 1, "prev")]
    if page < last:
        links.append(link(page + 1, "next"))
    links.append(link(last, "last"))
    return 200, chosen, {"Link": ", ".join(links)}


def _listed(data: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return data if isinstance(data, list) else [data]


def _controls(store: ConnectWiseStore, company_id: str) -> list[ControllerRouterHandler]:
    @put(f"{CONTROL}/knobs", sync_to_thread=False)
    def knobs(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        if "timeouts_after_write" in data:
            store.knobs.timeouts_after_write = int(data["timeouts_after_write"])
        if "denied" in data:
            store.knobs.denied = {str(p) for p in data["denied"]}
        return {
            "timeouts_after_write": store.knobs.timeouts_after_write,
            "denied": sorted(store.knobs.denied),
        }

    @post(f"{CONTROL}/records/{{path:path}}", sync_to_thread=False)
    def records(
        path: FromPath[str], data: JSONBody[dict[str, Any] | list[dict[str, Any]]]
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """One record, or a list of them in one call (a benchmark's thousands)."""
        resource = BY_PATH[path.strip("/").casefold()]
        made = [store.render(resource, store.insert(resource.path, d)) for d in _listed(data)]
        for record in made:  # as a ConnectWise user's change: the callbacks are sent
            notify(
                store.records[CALLBACKS],
                resource.path,
                action="added",
                record=record,
                record_id=record["id"],
                company_id=company_id,
            )
        return made if isinstance(data, list) else made[0]

    @get(f"{CONTROL}/journal", sync_to_thread=False)
    def journal() -> list[dict[str, Any]]:
        return list(store.journal)

    return [knobs, records, journal]
