"""``q2c serve``'s HTTP server: uvicorn with limits on what a slow or greedy client may hold.

- request headers must arrive within ``Q2C_HTTP_HEADER_TIMEOUT_SECONDS`` of the connection
  (or of the request's first byte on a kept-alive one), else the connection is closed with a
  408 (uvicorn itself waits for headers forever);
- a body must arrive within ``Q2C_HTTP_BODY_TIMEOUT_SECONDS`` (``body.py``, a 408 problem);
- an idle kept-alive connection is closed after ``Q2C_HTTP_KEEPALIVE_SECONDS``;
- beyond ``Q2C_HTTP_MAX_CONCURRENCY`` connections or requests at once, uvicorn answers 503.

In production a reverse proxy in front buffers and times out slow clients before they reach
the hub (README, "Behind a reverse proxy"); these limits hold without one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from entrypoints.settings import Settings

_SAID = b"the request's headers did not arrive in time\n"
_TOO_SLOW = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: " + str(len(_SAID)).encode() + b"\r\n\r\n" + _SAID
)


class HeadersInTime(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request's headers."""

    header_timeout = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._expect_headers()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        if self._headers_due is None:
            self._headers_due = self.loop.call_later(self.header_timeout, self._too_slow)

    def _headers_arrived(self) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None

    def _too_slow(self) -> None:
        self._headers_due = None
        if not self.transport.is_closing():
            self.transport.write(_TOO_SLOW)
            self.transport.close()


def headers_in(seconds: float) -> type[HeadersInTime]:
    return type("HeadersInTime", (HeadersInTime,), {"header_timeout": seconds})


def limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for what a client may hold (also given to servers tests start)."""
    return {
        "http": headers_in(settings.http_header_timeout_seconds),
        "timeout_keep_alive": settings.http_keepalive_seconds,
        "limit_concurrency": settings.http_max_concurrency,
    }


def uvicorn_server(app: Any, settings: Settings) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            **limits(settings),
        )
    )
