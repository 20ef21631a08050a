"""The request at the edge: bodies bounded and timed, JSON only, no NUL, no 5xx from client input.

Streamed and cut-off bodies go straight to the ASGI app (``tests/support/asgi.py``); the rest
through Litestar's test client. Each case was a 500, a 503 or an unbounded read before.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar

from domain.identity.access import Role
from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from entrypoints.http.body import MAX_BODY, MAX_DEPTH
from tests.conftest import settings_for
from tests.e2e.conftest import Client, TenantKeys
from tests.support.asgi import call

# On SQLite; the tests marked both_databases, where the database shows through, on PostgreSQL too.

MB = 1_000_000


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Litestar]:
    """The app on the test's own loop, its body timeout short (a slow body waits forever)."""
    container = build_container(settings_for(database_url, http_body_timeout_seconds=0.5))
    yield create_app(container)
    await container.persistence.probe().close()


def json_headers(tenant: TenantKeys, length: int | None = None, **extra: str) -> dict[str, str]:
    headers = {**tenant.headers(), "Content-Type": "application/json", **extra}
    return headers | ({"Content-Length": str(length)} if length is not None else {})


def megabytes(n: int) -> Iterator[bytes]:
    return (b" " * MB for _ in range(n))


def problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json"
    found: dict[str, Any] = response.json()
    return found


# --- bodies: disconnects, sizes, time (PAY-15) -------------------------------------------------


@pytest.mark.both_databases  # the idempotency claim is a row
async def test_a_client_that_leaves_mid_body_claims_nothing(
    app: Litestar, acme: TenantKeys
) -> None:  # PAY-15
    body = json.dumps({"name": "Left halfway"}).encode()
    headers = json_headers(acme, len(body), **{"Idempotency-Key": "cut-1"})
    cut = await call(app, "/v1/organizations", headers, [body[:10]], then="disconnect")
    assert cut.status is None  # nobody to answer
    retry = await call(app, "/v1/organizations", headers, [body])
    assert retry.status == 201, retry.body
    assert "idempotent-replayed" not in retry.headers


async def test_a_body_declared_over_the_limit_is_refused_unread(
    app: Litestar, acme: TenantKeys
) -> None:
    headers = json_headers(acme, 200 * MB, **{"Idempotency-Key": "big-1"})
    answer = await call(app, "/v1/organizations", headers, megabytes(15))
    assert answer.status == 413
    assert answer.chunks_read == 0


@pytest.mark.parametrize("keyed", [True, False])
async def test_a_body_of_unknown_length_is_read_no_further_than_the_limit(
    app: Litestar, acme: TenantKeys, keyed: bool
) -> None:
    headers = json_headers(acme) | ({"Idempotency-Key": "big-2"} if keyed else {})
    answer = await call(app, "/v1/organizations", headers, megabytes(15))
    assert answer.status == 413
    assert answer.chunks_read <= MAX_BODY // MB + 1


async def test_a_body_that_stops_arriving_is_a_408(app: Litestar, acme: TenantKeys) -> None:
    answer = await call(
        app, "/v1/organizations", json_headers(acme, 100), [b'{"name": '], then="stall"
    )
    assert answer.status == 408
    assert json.loads(answer.body)["errors"][0]["field"] == "body"


# --- what the body is: JSON, UTF-8, not too deep, no NUL ---------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_a_body_that_is_not_json_is_a_415(
    client: Client, acme: TenantKeys, content_type: str | None
) -> None:
    headers = acme.headers() | ({"Content-Type": content_type} if content_type else {})
    response = await client.post("/v1/organizations", content=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415
    assert problem(response)["errors"][0]["field"] == "Content-Type"


async def test_json_with_a_charset_or_a_json_suffix_is_json(
    client: Client, acme: TenantKeys
) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await client.post(
            "/v1/organizations",
            content=b'{"name": "Typed"}',
            headers=acme.headers() | {"Content-Type": content_type},
        )
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
async def test_json_nested_too_deep_is_a_400(client: Client, acme: TenantKeys, depth: int) -> None:
    deep = b'{"name": "x", "billing_address": ' + b"[" * depth + b"]" * depth + b"}"
    for path in ("/v1/organizations", "/v1/connections"):
        response = await client.post(path, content=deep, headers=json_headers(acme))
        assert response.status_code == 400, response.text
        assert problem(response)["errors"][0]["field"] == "body"


async def test_a_body_that_is_not_utf8_is_a_400(client: Client, acme: TenantKeys) -> None:
    response = await client.post(
        "/v1/organizations", content=b'{"name": "\xff\xfe"}', headers=json_headers(acme)
    )
    assert response.status_code == 400
    assert "UTF-8" in problem(response)["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a\u0000b"}, "name"),
        ({"name": "ok", "billing_address": {"line1": "\u0000"}}, "billing_address.line1"),
    ],
)
@pytest.mark.both_databases  # PostgreSQL stores no NUL
async def test_a_nul_character_is_a_400_naming_its_field(
    client: Client, acme: TenantKeys, body: dict[str, Any], field: str
) -> None:  # PostgreSQL stores no NUL: this was a 503 that could never succeed
    response = await client.post("/v1/organizations", json=body, headers=acme.headers())
    assert response.status_code == 400, response.text
    assert problem(response)["errors"][0]["field"] == field


@pytest.mark.both_databases  # PostgreSQL compares no NUL
async def test_a_nul_in_a_search_is_a_400_naming_the_parameter(
    client: Client, acme: TenantKeys
) -> None:  # a 500 on PostgreSQL before
    response = await client.get("/v1/organizations?q=a%00b", headers=acme.headers())
    assert response.status_code == 400
    assert problem(response)["errors"][0]["field"] == "q"


# --- OPTIONS and HEAD: credentials first, never a 500 ------------------------------------------


async def operations(client: Client) -> list[str]:
    document = (await client.get("/schema/openapi.json")).json()
    return list(document["paths"])


async def test_options_without_credentials_is_a_401_on_every_path(client: Client) -> None:
    paths = [p for p in await operations(client) if p.startswith(("/v1", "/portal"))]
    assert len(paths) > 30
    for path in paths:
        concrete = _concrete(path)
        response = await client.options(concrete)
        assert response.status_code == 401, (path, response.status_code)
        assert problem(response)["type"] == "/problems/unauthorized"
        head = await client.head(concrete)
        assert 400 <= head.status_code < 500, (path, head.status_code)


async def test_options_with_credentials_answers_without_a_5xx(
    client: Client, acme: TenantKeys
) -> None:
    for path in await operations(client):
        for role in (Role.ADMIN, Role.SALES):
            response = await client.options(_concrete(path), headers=acme.headers(role))
            assert response.status_code < 500, (path, response.status_code)


def _concrete(path: str) -> str:
    """A template's path with an id where it takes one (any id: OPTIONS reads nothing)."""
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
