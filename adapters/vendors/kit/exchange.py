"""One vendor HTTP exchange inside the connection's limits, with its failures as port errors.

Every vendor client sends through ``exchange``, so they all keep the same rules: the call holds
a slot of the shared vendor limits while it runs; a call that timed out keeps its slot a while
longer, because the vendor may still be working on it and counts it against the limit; the
transport's failures leave as ``VendorUnavailable`` (transient) or ``VendorRejected`` (a bad
base URL); a 429 pauses the whole connection for ``Retry-After`` and leaves as
``VendorRateLimited``. Nothing is retried here: a POST whose answer was lost may have happened.
``VendorHttp`` is what every vendor client holds: the limits, a timeout and its httpx client.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpx

from application.integrations.ports import (
    LimitKey,
    VendorError,
    VendorLimitPolicy,
    VendorLimits,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)
from domain.integrations.connection import mask

TIMEOUT_GRACE_SECONDS = 1.0


def retry_after(response: httpx.Response, default: float) -> float:
    """The seconds of a numeric ``Retry-After``; ``default`` when absent or unreadable."""
    try:
        return max(float(response.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default


def already_gone(method: str, response: httpx.Response) -> bool:
    """A DELETE answered 404: the record is gone, as asked (a retried delete whose first answer
    was lost, or another delivery's). Done, not a refusal."""
    return method == "DELETE" and response.status_code == 404


@dataclass
class CallCount:
    """The vendor calls made inside one ``counting_calls`` block."""

    calls: int = 0


_COUNTING: ContextVar[CallCount | None] = ContextVar("vendor_calls", default=None)


@contextmanager
def counting_calls() -> Iterator[CallCount]:
    """Counts every call ``exchange`` sends from this task (and the tasks it starts), whichever
    client sends it: a push reports its calls (``PublishResult.calls``, the quote bench)."""
    count = CallCount()
    token = _COUNTING.set(count)
    try:
        yield count
    finally:
        _COUNTING.reset(token)


@functools.cache
def tls() -> ssl.SSLContext:
    """The process's one TLS context for the vendors (certifi's roots, as httpx's default).

    httpx builds a context for every client it makes, reading the whole CA bundle each time
    (tens of milliseconds of CPU); a context can serve any number of clients and connections.
    """
    return httpx.create_ssl_context()


def http_client(limits: httpx.Limits | None = None) -> httpx.AsyncClient:
    """An httpx client on the shared TLS context: every client the vendors make is made here."""
    if limits is None:
        return httpx.AsyncClient(verify=tls())
    return httpx.AsyncClient(verify=tls(), limits=limits)


class VendorHttp:
    """A vendor client's shared parts: the limits, a timeout, and an httpx client it closes
    only when it made it (one given is its giver's to close).

    Closed, it is ready to be used again on a new httpx client: the long-lived ones (the
    gateway's, a connection tester's) are closed with the app and must serve it when it is
    started again in the same process (the tests start one app many times).
    """

    def __init__(
        self, limits: VendorLimits, *, http: httpx.AsyncClient | None, timeout: float
    ) -> None:
        self._limits = limits
        self._given = http
        self._own: httpx.AsyncClient | None = None
        self._timeout = timeout

    @property
    def _http(self) -> httpx.AsyncClient:
        """The given client, or its own, made at the first call (after a close, a new one)."""
        if self._given is not None:
            return self._given
        if self._own is None:
            self._own = http_client()
        return self._own

    async def aclose(self) -> None:
        own, self._own = self._own, None
        if own is not None:
            await own.aclose()


@contextmanager
def credentials_masked(credentials: Mapping[str, str]) -> Iterator[None]:
    """A vendor's message may quote what it was sent (Autotask's zone look-up names its user);
    the credentials in it leave masked, as they are shown everywhere else (INT-1)."""
    try:
        yield
    except VendorError as error:
        message = error.message
        for value in credentials.values():
            if len(value) >= 4:
                message = re.sub(re.escape(value), mask(value), message, flags=re.IGNORECASE)
        error.message = message
        error.args = (message,)
        raise


@contextmanager
def transport_errors(
    vendor: str, what: str, timeout: float, timeout_hint: str = ""
) -> Iterator[None]:
    """httpx's failures to reach ``vendor`` as port errors: transient, or a bad base URL."""
    try:
        yield
    except httpx.TimeoutException:
        raise VendorUnavailable(
            f"{vendor} did not answer {what} within {timeout:g} s{timeout_hint}"
        ) from None
    except httpx.TransportError as exc:
        raise VendorUnavailable(
            f"the connection to {vendor} failed during {what}: {type(exc).__name__}: {exc}"
        ) from None
    except httpx.InvalidURL as exc:
        raise VendorRejected(f"the {vendor} base URL is not valid: {exc}") from None


async def exchange(
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    limits: VendorLimits,
    key: LimitKey,
    policy: VendorLimitPolicy,
    vendor: str,
    what: str,
    timeout: float,  # noqa: ASYNC109 - the send's own timeout, for the message and the grace
    default_retry_after: float = 1.0,
    limited_reason: Callable[[httpx.Response], str | None] = lambda _response: None,
    timeout_hint: str = "",
) -> httpx.Response:
    """``send()`` once within ``key``'s limits; any answer but a 429 is the caller's to decode."""
    count = _COUNTING.get()
    if count is not None:
        count.calls += 1
    with transport_errors(vendor, what, timeout, timeout_hint):
        async with limits.call(key, policy):
            try:
                response = await send()
            except httpx.TimeoutException:
                # The abandoned call may still run at the vendor: keep its slot as long again.
                await asyncio.sleep(max(timeout, TIMEOUT_GRACE_SECONDS))
                raise
    if response.status_code == 429:
        wait = retry_after(response, default_retry_after)
        await limits.pause(key.connection_id, wait)
        reason = limited_reason(response) or "too many requests"
        raise VendorRateLimited(f"{vendor} limited {what}: {reason}", retry_after=wait)
    return response
