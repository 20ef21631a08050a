"""What every vendor's tests share: a connection to a sandbox, and a sandbox served over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.sandbox.base import SandboxRuntime
from application.integrations.ports import ConnectionConfig
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId, System


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
