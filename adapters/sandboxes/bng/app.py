"""A local BNG gateway (NMI Payment API): transact.php, query.php, and the browser's tokenizer.

It behaves like the gateway in test mode: amounts under 1.00 decline, a duplicate sale within
the window is refused, a wrong security key fails authentication, declines and errors come back
with HTTP 200 in the form encoding. Mounted at ``/sandbox/bng``, a connection's base URL is
``http://<hub>/sandbox/bng`` and the paths are ``{base}/api/transact.php`` as at BNG.

Control routes for tests and demos, beside the base's ``/_sandbox/state|faults|reset``:
``POST /_sandbox/settle`` (``{"transaction_ids": [...]}``, or all) closes the batch, and
``POST /_sandbox/fail`` (``{"transaction_id": ..., "reason": ...}``) fails a payment after the
fact (PAY-7). ``POST /token`` is what Collect.js does in a browser: card or account details in,
a one-use ``payment_token`` out, so numbers never pass through the hub (PAY-8).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar import Litestar, Request, Response, post
from litestar.types import ControllerRouterHandler

from adapters.sandboxes.bng.store import (
    DEFAULT_DUPLICATE_WINDOW,
    BngStore,
    SandboxRefusal,
    Source,
)
from adapters.sandboxes.bng.tokenizer import tokenizer_routes
from adapters.sandboxes.kit.base import Faults, SandboxLimits, VendorProfile, build_sandbox_app
from adapters.vendors.bng.contract import AUTHENTICATION_FAILED

PREFIX = "/"  # the gateway's host root: /api/… are its endpoints, /_sandbox/… the controls
SANDBOX_SECURITY_KEY = "q2c-sandbox-bng-security-key"
ENDPOINTS = ("transact.php", "query.php")
_FORM = "text/html; charset=UTF-8"  # what NMI labels its form-encoded answers
_XML = "text/xml; charset=UTF-8"


def create_bng_sandbox(
    faults: Faults,
    *,
    security_key: str = SANDBOX_SECURITY_KEY,
    duplicate_window_seconds: float = DEFAULT_DUPLICATE_WINDOW,
    concurrent_per_endpoint: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    lean_answers: bool = False,
    duplicate_override: bool = True,
) -> Litestar:
    """BNG at the app's root; BNG publishes no limits, so none unless a test asks for one.

    ``lean_answers``: transact.php answers leave out their empty fields and carry one the hub
    does not know, as some NMI answers do (INT-7). ``duplicate_override=False``: the merchant
    may not override the duplicate window, so ``dup_seconds`` is ignored (NMI's partner setting
    "Allow Merchant Override")."""
    store = BngStore(
        security_key=security_key,
        duplicate_window_seconds=duplicate_window_seconds,
        clock=clock,
        lean_answers=lean_answers,
        duplicate_override=duplicate_override,
    )
    limits = SandboxLimits(concurrent_per_endpoint=concurrent_per_endpoint)
    profile = VendorProfile(
        prefix=PREFIX, limits=limits, endpoint_of=endpoint_of, error_body=error_body
    )
    return build_sandbox_app(profile, store, faults, _routes(store))


def endpoint_of(path: str) -> str | None:
    """Only the API endpoints are limited and faulted; the tokenizer and controls are not."""
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 2 and parts[-2] == "api" and parts[-1] in ENDPOINTS:
        return parts[-1]
    return None


def error_body(messages: Sequence[str]) -> bytes:
    return _form(
        [("response", "3"), ("responsetext", " ".join(messages)), ("response_code", "300")]
    )


def source_from(fields: Mapping[str, str]) -> Source:
    """Card (``ccnumber``, ``ccexp``, ``cvv``) or eCheck (``checkaba``, ``checkaccount``,
    ``checkname``) details, checked as Collect.js checks them before giving a token."""
    if fields.get("ccnumber"):
        return _card(fields)
    if fields.get("checkaccount"):
        return _check(fields)
    raise SandboxRefusal("Card or account details are required")


def _card(fields: Mapping[str, str]) -> Source:
    number = "".join(ch for ch in fields["ccnumber"] if ch not in " -")
    if not (number.isdigit() and 13 <= len(number) <= 19 and _luhn(number)):
        raise SandboxRefusal("Card number is invalid")
    expiry = fields.get("ccexp", "").replace("/", "")
    if not (len(expiry) == 4 and expiry.isdigit() and 1 <= int(expiry[:2]) <= 12):
        raise SandboxRefusal("Card expiration must be MMYY")
    cvv = fields.get("cvv", "")
    if cvv and not (cvv.isdigit() and len(cvv) in (3, 4)):
        raise SandboxRefusal("CVV is invalid")
    return Source("card", number, _brand(number))


def _brand(number: str) -> str:
    """The card network, from the number's leading digits (its IIN ranges)."""
    two, three, four = (int(number[:n]) for n in (2, 3, 4))
    if two in (34, 37):
        return "amex"
    if number.startswith("4"):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    if four == 6011 or two == 65 or 644 <= three <= 649:
        return "discover"
    return "card"


def _check(fields: Mapping[str, str]) -> Source:
    aba, account = fields.get("checkaba", ""), fields["checkaccount"]
    weights = (3, 7, 1) * 3
    if not (len(aba) == 9 and aba.isdigit()) or sum(map(_times, aba, weights)) % 10:
        raise SandboxRefusal("Routing number (ABA) is invalid")
    if not (account.isdigit() and 4 <= len(account) <= 17):
        raise SandboxRefusal("Account number is invalid")
    if not fields.get("checkname", "").strip():
        raise SandboxRefusal("The name on the account is required")
    account_type = fields.get("account_type") or "checking"
    if account_type not in ("checking", "savings"):
        raise SandboxRefusal("Account type must be checking or savings")
    return Source("check", account, account_type)


def _times(digit: str, weight: int) -> int:
    return int(digit) * weight


def _luhn(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _form(pairs: Sequence[tuple[str, str]]) -> bytes:
    return urlencode(pairs).encode()


async def _form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A form body: NMI's only request encoding."""
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def _json_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """A JSON object body (the tokenizer and the controls); an empty body is an empty object."""
    body = await request.body()
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        raise SandboxRefusal("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise SandboxRefusal("The request body must be a JSON object")
    return data


async def _token_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Collect.js posts JSON; a plain HTML form posts form fields. Both are taken."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return {str(k): str(v) for k, v in (await _json_fields(request)).items()}
    return await _form_fields(request)


def _xml(root: ET.Element) -> Response[bytes]:
    return Response(ET.tostring(root, encoding="UTF-8"), media_type=_XML)


def _element(parent: ET.Element, tag: str, values: Mapping[str, Any]) -> ET.Element:
    element = ET.SubElement(parent, tag)
    for name, value in values.items():
        if isinstance(value, list):
            for item in value:
                _element(element, name.removesuffix("s"), item)
        else:
            ET.SubElement(element, name).text = str(value)
    return element


def _query(store: BngStore, fields: Mapping[str, str]) -> ET.Element:
    root = ET.Element("nm_response")
    if not store.authenticated(fields.get("security_key", "")):
        ET.SubElement(root, "error_response").text = AUTHENTICATION_FAILED
        return root
    if fields.get("report_type") == "customer_vault":
        vault = ET.SubElement(root, "customer_vault")
        for customer in store.customers(fields.get("customer_vault_id") or None):
            _element(vault, "customer", customer)
        return root
    ids = [i for i in fields.get("transaction_id", "").split(",") if i] or None
    for transaction in store.transactions(ids, fields.get("order_id") or None):
        _element(root, "transaction", transaction)
    return root


def _json_answer(body: Mapping[str, Any], status: int = 200) -> Response[bytes]:
    return Response(json.dumps(body).encode(), status_code=status, media_type="application/json")


def _routes(store: BngStore) -> list[ControllerRouterHandler]:
    @post("/api/transact.php", status_code=200)
    async def transact(request: Request[Any, Any, Any]) -> Response[bytes]:
        answer = store.transact(await _form_fields(request))
        return Response(_form(answer.fields()), media_type=_FORM)

    @post("/api/query.php", status_code=200)
    async def query(request: Request[Any, Any, Any]) -> Response[bytes]:
        return _xml(_query(store, await _form_fields(request)))

    @post("/token", status_code=200)
    async def token(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            source = source_from(await _token_fields(request))
        except SandboxRefusal as refusal:
            return _json_answer({"error": str(refusal)}, 400)
        return _json_answer({"token": store.tokenize(source)})

    @post("/_sandbox/settle", status_code=200)
    async def settle(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            ids = (await _json_fields(request)).get("transaction_ids")
        except SandboxRefusal as refusal:
            return _json_answer({"error": str(refusal)}, 400)
        if ids is not None and not isinstance(ids, list):
            return _json_answer({"error": "transaction_ids must be a list"}, 400)
        return _json_answer(store.settle(None if ids is None else [str(i) for i in ids]))

    @post("/_sandbox/fail", status_code=200)
    async def fail(request: Request[Any, Any, Any]) -> Response[bytes]:
        try:
            data = await _json_fields(request)
            transaction_id = str(data.get("transaction_id", ""))
            store.fail(transaction_id, str(data.get("reason") or "Payment returned by the bank"))
        except SandboxRefusal as refusal:
            return _json_answer({"error": str(refusal)}, 409)
        return _json_answer({"failed": transaction_id})

    def tokenize(fields: Mapping[str, str]) -> tuple[str, str, str]:
        source = source_from(fields)
        return store.tokenize(source), source.kind, source.brand

    browser = tokenizer_routes(tokenize, SandboxRefusal)
    return [transact, query, token, settle, fail, *browser]
