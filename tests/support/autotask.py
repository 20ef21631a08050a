"""What the Autotask tests share: a connection to a sandbox, payloads, and port doubles."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS
from adapters.sandboxes.autotask.store import AutotaskStore
from application.integrations.messages import ORGANIZATION_PUSH, OrganizationPush, decode
from application.integrations.ports import (
    ConnectionConfig,
    ExternalLinks,
    LimitKey,
    OutboxMessage,
    VendorLimitPolicy,
    VendorLimits,
)
from domain.integrations.connection import ConnectionId, System
from tests.support.sandboxes import RunningSandbox, sandbox_connection


class AutotaskSandbox(RunningSandbox):
    """The Autotask sandbox served for a test, with its in-process records."""

    @property
    def store(self) -> AutotaskStore:
        assert isinstance(self.runtime.state, AutotaskStore)
        return self.runtime.state


def contracts_dir() -> Path:
    """``shared/contracts`` beside the repository (as CI lays it out), or Q2C_CONTRACTS_DIR."""
    configured = os.environ.get("Q2C_CONTRACTS_DIR")
    path = Path(configured) if configured else Path(__file__).parents[3] / "shared" / "contracts"
    if not path.is_dir():
        message = f"the vendor contracts are not at {path}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI lays shared/ beside the clone: missing is an error there
        pytest.skip(message)
    return path


def autotask_connection(
    base_url: str,
    *,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ConnectionConfig:
    return sandbox_connection(
        System.AUTOTASK, base_url, credentials or SANDBOX_CREDENTIALS, settings
    )


def organization_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": "Contoso Ltd",
        "phone": "+1 206 555 0100",
        "fax": None,
        "website": "https://contoso.example",
        "account_number": "C-1001",
        "status": "active",
        "billing_address": {
            "line1": "1 Main Street",
            "line2": None,
            "city": "Seattle",
            "state": "WA",
            "postal_code": "98101",
            "country": "US",
        },
        "version": 1,
    }
    payload.update(changes)
    return payload


def organization_push(payload: Mapping[str, Any]) -> OrganizationPush:
    """The message a stored ``organization.push`` payload holds."""
    message = decode(ORGANIZATION_PUSH, payload)
    assert isinstance(message, OrganizationPush)
    return message


def push_message(
    connection: ConnectionConfig, payload: Mapping[str, Any], message_id: int = 1
) -> OutboxMessage:
    return OutboxMessage(
        id=message_id,
        tenant_id=connection.tenant_id,
        connection_id=connection.connection_id,
        kind="organization.push",
        aggregate_type="organization",
        aggregate_id=UUID(str(payload["id"])),
        payload=dict(payload),
    )


def outbox_message(
    connection: ConnectionConfig,
    kind: str,
    payload: Mapping[str, Any],
    *,
    aggregate_id: UUID | None = None,
    message_id: int = 1,
) -> OutboxMessage:
    """A message of any kind, e.g. ``ticket.open`` (PAY-13) or ``invoice.paid``."""
    return OutboxMessage(
        id=message_id,
        tenant_id=connection.tenant_id,
        connection_id=connection.connection_id,
        kind=kind,
        aggregate_type=kind.partition(".")[0],
        aggregate_id=aggregate_id or uuid.uuid4(),
        payload=dict(payload),
    )


def company_body(**changes: Any) -> dict[str, Any]:
    """A Company as Autotask's API takes it (its required fields and a name)."""
    return {"companyName": "Contoso Ltd", "phone": "555", "ownerResourceID": 1, **changes}


def contact_body(**changes: Any) -> dict[str, Any]:
    return {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "emailAddress": "ada@contoso.example",
        "isActive": 1,
        **changes,
    }


def contract_body(company_id: int, **changes: Any) -> dict[str, Any]:
    return {
        "companyID": company_id,
        "contractName": "Managed services 2026",
        "contractType": 7,
        "status": 1,
        "startDate": "2026-01-01T00:00:00",
        "endDate": "2026-12-31T00:00:00",
        "timeReportingRequiresStartAndStopTimes": 0,
        **changes,
    }


def ticket_body(company_id: int, **changes: Any) -> dict[str, Any]:
    return {"companyID": company_id, "title": "Printer jam", "status": 1, "priority": 2, **changes}


def invoice_body(company_id: int, **changes: Any) -> dict[str, Any]:
    """An invoice as Autotask's billing makes it (seeded: the API cannot create one)."""
    return {
        "companyID": company_id,
        "invoiceNumber": "INV-1001",
        "invoiceDateTime": "2026-03-01T00:00:00",
        "dueDate": "2026-03-31T00:00:00",
        "invoiceTotal": 0.1 + 0.2,
        "comments": "March services",
        **changes,
    }


class InMemoryExternalLinks:
    """ExternalLinks over a dict (INT-4)."""

    def __init__(self) -> None:
        self.links: dict[tuple[ConnectionId, str, UUID], str] = {}

    async def find(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID
    ) -> str | None:
        return self.links.get((connection_id, entity_type, entity_id))

    async def find_entity(
        self, connection_id: ConnectionId, entity_type: str, external_id: str
    ) -> UUID | None:
        for (conn, kind, entity_id), linked in self.links.items():
            if (conn, kind, linked) == (connection_id, entity_type, external_id):
                return entity_id
        return None

    async def link(
        self, connection_id: ConnectionId, entity_type: str, entity_id: UUID, external_id: str
    ) -> None:
        self.links[(connection_id, entity_type, entity_id)] = external_id


class UnlimitedLimits:
    """VendorLimits that let every call through at once, remembering calls and pauses."""

    def __init__(self) -> None:
        self.calls: list[tuple[LimitKey, VendorLimitPolicy]] = []
        self.pauses: list[tuple[ConnectionId, float]] = []

    def call(self, key: LimitKey, policy: VendorLimitPolicy) -> AbstractAsyncContextManager[None]:
        self.calls.append((key, policy))
        return _nothing()

    async def pause(self, connection_id: ConnectionId, seconds: float) -> None:
        self.pauses.append((connection_id, seconds))

    async def close(self) -> None:
        return None


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def _conforms(links: InMemoryExternalLinks, limits: UnlimitedLimits) -> None:
    """Type-checked only: the doubles implement the ports they stand in for."""
    _links: ExternalLinks = links
    _limits: VendorLimits = limits
