"""One vendor HTTP exchange inside the connection's limits, with its failures as port errors.

Every vendor client sends through ``exchange``, so they all keep the same rules: the call holds
a slot of the shared vendor limits while it runs; a call that timed out keeps its slot a while
longer, because the vendor may still be working on it and counts it against the limit; the
transport's failures leave as ``VendorUnavailable`` (transient) or ``VendorRejected`` (a bad
base URL); a 429 pauses the whole connection for ``Retry-After`` and leaves as
``VendorRateLimited``. Nothing is retried here: a POST whose answer was lost may have happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from application.integrations.ports import (
    LimitKey,
    VendorLimitPolicy,
    VendorLimits,
    VendorRateLimited,
    VendorRejected,
    VendorUnavailable,
)

TIMEOUT_GRACE_SECONDS = 1.0


def retry_after(response: httpx.Response, default: float) -> float:
    """The seconds of a numeric ``Retry-After``; ``default`` when absent or unreadable."""
    try:
        return max(float(response.headers.get("Retry-After", default)), 0.0)
    except ValueError:
        return default


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
    async with limits.call(key, policy):
        try:
            response = await send()
        except httpx.TimeoutException:
            # The abandoned call may still run at the vendor: keep its slot as long again.
            await asyncio.sleep(max(timeout, TIMEOUT_GRACE_SECONDS))
            raise VendorUnavailable(
                f"{vendor} did not answer {what} within {timeout:g} s{timeout_hint}"
            ) from None
        except httpx.TransportError as exc:
            raise VendorUnavailable(
                f"the connection to {vendor} failed during {what}: {type(exc).__name__}: {exc}"
            ) from None
        except httpx.InvalidURL as exc:
            raise VendorRejected(f"the {vendor} base URL is not valid: {exc}") from None
    if response.status_code == 429:
        wait = retry_after(response, default_retry_after)
        await limits.pause(key.connection_id, wait)
        reason = limited_reason(response) or "too many requests"
        raise VendorRateLimited(f"{vendor} limited {what}: {reason}", retry_after=wait)
    return response
