"""Slow clients hold nothing for long: ``q2c serve``'s server limits, over a real socket.

A client that sends half its headers, or half its body, is answered 408 and let go once the
limit passes (the limits are short here; the test waits on the socket, not on a clock).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from entrypoints.containers import build_container
from entrypoints.http.app import create_app
from entrypoints.http.server import limits
from tests.conftest import settings_for
from tests.e2e.conftest import TenantKeys
from tests.support.servers import serve_asgi

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time

WAIT = 60.0  # far longer than the limits below: only a server that never answers fails


@pytest.fixture
def hub(database_url: str) -> Iterator[tuple[str, int]]:
    settings = settings_for(
        database_url, http_header_timeout_seconds=0.5, http_body_timeout_seconds=0.5
    )
    with serve_asgi(create_app(build_container(settings)), **limits(settings)) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def _talk(address: tuple[str, int], sent: bytes) -> bytes:
    """Send ``sent`` and nothing more; what the server says before it closes."""
    with socket.create_connection(address, timeout=WAIT) as connection:
        connection.sendall(sent)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_half_the_headers_is_a_408_and_a_closed_connection(hub: tuple[str, int]) -> None:
    answer = _talk(hub, b"POST /v1/organizations HTTP/1.1\r\nHost: hub\r\nAuthorization: Bea")
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_half_the_body_is_a_408_problem(hub: tuple[str, int], acme: TenantKeys) -> None:
    body = json.dumps({"name": "Never finished"}).encode()
    head = (
        "POST /v1/organizations HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n"
        f"Authorization: {acme.headers()['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    answer = _talk(hub, head.encode() + body[:5])
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"/problems/request_timeout" in answer
