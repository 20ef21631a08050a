"""What every vendor's tests share: a connection to a sandbox, a sandbox served over HTTP, and
a VendorLimits double that keeps to a policy's concurrency."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from litestar import Litestar

from adapters.sandboxes.kit.base import Faults, SandboxRuntime
from application.integrations.ports import (
    ConnectionConfig,
    LimitKey,
    VendorLimitPolicy,
    VendorLimits,
)
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId, System
from tests.support.servers import serve_asgi


def sandbox_connection(
    system: System,
    base_url: str,
    credentials: Mapping[str, str],
    settings: Mapping[str, Any] | None = None,
) -> ConnectionConfig:
    """A connection of a tenant of its own, as an adapter receives it."""
    return ConnectionConfig(
        tenant_id=TenantId(uuid.uuid4()),
        connection_id=ConnectionId(uuid.uuid4()),
        system=system,
        base_url=base_url,
        credentials=dict(credentials),
        settings=dict(settings or {}),
    )


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox served over HTTP for a test: its URL and its in-process runtime."""

    url: str
    runtime: SandboxRuntime

    async def state(self) -> dict[str, Any]:
        """What the sandbox holds, read the way a test or demo does: GET /_sandbox/state."""
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.get("/_sandbox/state")
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    async def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        """Post to a control route under ``/_sandbox/``, e.g. ``settle``."""
        async with httpx.AsyncClient(base_url=self.url) as http:
            response = await http.post(f"/_sandbox/{route}", json=body or {})
        response.raise_for_status()
        return response.json()


S = TypeVar("S", bound=RunningSandbox)


@contextmanager
def serve_sandbox(
    kind: type[S], create: Callable[..., Litestar], faults: Faults | None = None, **options: Any
) -> Iterator[S]:
    """``create(faults, **options)``, a vendor's sandbox app, served over HTTP as ``kind``."""
    app = create(faults or Faults(), **options)
    with serve_asgi(app) as url:
        yield kind(url, app.state.sandbox)


@contextmanager
def sandbox_starter(kind: type[S], create: Callable[..., Litestar]) -> Iterator[Callable[..., S]]:
    """For a fixture: a test starts the sandboxes it needs, with its faults; all stop after it."""
    with ExitStack() as stack:

        def start(faults: Faults | None = None, **options: Any) -> S:
            return stack.enter_context(serve_sandbox(kind, create, faults, **options))

        yield start


class SemaphoreLimits:
    """A VendorLimits double that keeps to the policy's concurrency per key, and counts the
    most calls it let run at once per endpoint."""

    def __init__(self) -> None:
        self._gates: dict[LimitKey, asyncio.Semaphore] = {}
        self._in_flight: Counter[LimitKey] = Counter()
        self.max_in_flight: Counter[str] = Counter()
        self.pauses: list[tuple[ConnectionId, float]] = []

    def call(self, key: LimitKey, policy: VendorLimitPolicy) -> AbstractAsyncContextManager[None]:
        gate = self._gates.setdefault(key, asyncio.Semaphore(policy.concurrent_per_endpoint or 1))
        return self._hold(key, gate)

    @asynccontextmanager
    async def _hold(self, key: LimitKey, gate: asyncio.Semaphore) -> AsyncIterator[None]:
        async with gate:
            self._in_flight[key] += 1
            seen = max(self.max_in_flight[key.endpoint], self._in_flight[key])
            self.max_in_flight[key.endpoint] = seen
            try:
                yield
            finally:
                self._in_flight[key] -= 1

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        self.pauses.append((connection_id, seconds))

    async def close(self) -> None:
        return None


def _conforms(limits: SemaphoreLimits) -> None:
    """Type-checked only: the double implements the port it stands in for."""
    _limits: VendorLimits = limits
