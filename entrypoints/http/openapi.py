"""The OpenAPI document as the API behaves, so a client (or a stateful fuzzer) can trust it.

Litestar derives paths and shapes from the handlers; this adds what it cannot see:

- every error as ``application/problem+json`` (``problems.py``, ``body.py``, ``raw.py``), with
  the statuses each operation can answer: the caller's (400, 401, 403, 404, 409, 422; 408,
  413, 415 with a body) and the hub's or a vendor's (500, 502, 503);
- public routes need no key; the ``Idempotency-Key`` header on authenticated POSTs, required
  where a payment is taken (PAY-15);
- ``additionalProperties: false`` on request bodies (``Input`` refuses unknown fields), and a
  body that may be absent (``SyncRun | None``) is not required;
- links from an operation that answers a resource to the operations on that resource, from
  its ``id``, so a stateful fuzzer chains create, read, change and act.
"""

from __future__ import annotations

import re
from typing import Any

from entrypoints.http.body import MAX_BODY
from entrypoints.http.idempotency import MAX_KEY_LENGTH
from entrypoints.http.problems import PROBLEM_JSON
from entrypoints.http.schemas.common import Input

PUBLIC = ("/health", "/schema")
KEY_REQUIRED = re.compile(r"^/(v1|portal/v1)/invoices/\{[^}]+\}/payments$")
_METHODS = ("get", "put", "post", "patch", "delete")
_CALLER = {
    "400": "The request is not valid (each field named in `errors`)",
    "401": "No API key, or one unknown or revoked",
    "403": "The key's role may not do this",
    "404": "Not found (another tenant's objects too)",
    "409": "A conflict: a concurrent change, or an Idempotency-Key in use or used otherwise",
    "422": "A business rule refused the request (its SPEC `rule` named)",
}
_WITH_BODY = {
    "408": "The body did not arrive in time",
    "413": f"The body is over {MAX_BODY} bytes",
    "415": "The body is not application/json",
}
_SERVER = {
    "500": "The hub failed (logged with the request's id)",
    "502": "A vendor the request needed refused the call",
    "503": "The database or a vendor is unavailable for now (see Retry-After)",
}
PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "rule": {"type": "string", "description": "the SPEC rule, e.g. MON-2"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "The same key and request replay the first answer, to this API key only, "
    "for 24 hours (PAY-15); the same key with another request is a 409.",
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": "^[!-~]([ -~]*[!-~])?$",
    },
}


def make_truthful(document: dict[str, Any]) -> None:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM
    _close_inputs(components)
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is not None:
                _operation(path, method, operation)
    _link(document.get("paths", {}))


def _operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path.startswith(PUBLIC):
        operation["security"] = []
        if path == "/health":
            ok = responses.get("200", {})
            responses["503"] = {"description": "The database does not answer", **ok}
        return
    body = operation.get("requestBody")
    codes = _CALLER | (_WITH_BODY if body else {}) | _SERVER
    for code, description in codes.items():
        responses[code] = {
            "description": description,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    if body:
        _optional_when_nullable(body)
    if method == "post":
        required = bool(KEY_REQUIRED.match(path))
        operation.setdefault("parameters", []).append(_IDEMPOTENCY_KEY | {"required": required})


def _optional_when_nullable(body: dict[str, Any]) -> None:
    """``data: X | None`` takes no body at all: not required."""
    for media in body.get("content", {}).values():
        alternatives = media.get("schema", {}).get("oneOf", [])
        if {"type": "null"} in alternatives:
            body["required"] = False


def _input_names() -> set[str]:
    names, pending = set(), [Input]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending += cls.__subclasses__()
    return names


def _close_inputs(components: dict[str, Any]) -> None:
    for name in _input_names() & set(components):
        components[name]["additionalProperties"] = False


def _link(paths: dict[str, Any]) -> None:
    """From an answer with an ``id`` to the operations on ``{path}/{id}`` and below it."""
    for path, item in paths.items():
        for method in ("post", "get"):
            operation = item.get(method)
            if operation is None or "{" in path.rsplit("/", 1)[-1]:
                continue
            answer = _success(operation)
            if answer is None:
                continue
            where = "#/id" if method == "post" else "#/items/0/id"
            links = _links_below(paths, path, where)
            if links:
                answer["links"] = links


def _success(operation: dict[str, Any]) -> dict[str, Any] | None:
    for code in ("201", "200"):
        if code in operation.get("responses", {}):
            found: dict[str, Any] = operation["responses"][code]
            return found
    return None


def _links_below(paths: dict[str, Any], parent: str, where: str) -> dict[str, Any]:
    below = re.compile(rf"^{re.escape(parent)}/\{{([^}}]+)\}}(/[^{{}}]*)?$")
    links: dict[str, Any] = {}
    for path, item in paths.items():
        found = below.match(path)
        if found is None:
            continue
        for method in _METHODS:
            target = item.get(method)
            if target is not None and "operationId" in target:
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": {found.group(1): f"$response.body{where}"},
                }
    return links
