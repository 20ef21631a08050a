"""Sync policies: which changes must reach which connected system (DESIGN "Sync", INT-5).

The unit of work calls the policy inside its commit, so an outbox message exists exactly when
the change it reports does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from application.integrations.messages import ORGANIZATION_PUSH
from application.integrations.outbox import NewOutboxMessage
from domain.crm.organization import (
    Organization,
    OrganizationCreated,
    OrganizationDeactivated,
    OrganizationId,
    OrganizationUpdated,
)
from domain.integrations.connection import Connection, ConnectionId, Family
from domain.shared.events import DomainEvent

if TYPE_CHECKING:
    from application.shared.unit_of_work import SyncPolicy, UnitOfWork


def organization_payload(organization: Organization) -> dict[str, Any]:
    """The whole organization; an update's message adds ``changed``, the fields it touched."""
    address = organization.billing_address
    return {
        "id": str(organization.id),
        "name": organization.name,
        "phone": organization.phone,
        "fax": organization.fax,
        "website": organization.website,
        "account_number": organization.account_number,
        "status": organization.status.value,
        "billing_address": {
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "state": address.state,
            "postal_code": address.postal_code,
            "country": address.country,
        },
    }


def _pushes_organizations(connection: Connection, origin: ConnectionId | None) -> bool:
    settings: Mapping[str, Any] = connection.settings
    return (
        connection.family is Family.PSA
        and bool(settings.get("push_organizations", False))
        and connection.id != origin  # a pulled change is not echoed back to its source
    )


async def sync_policy(uow: UnitOfWork, events: Sequence[DomainEvent]) -> list[NewOutboxMessage]:
    """Organizations created, changed or deactivated are pushed to the tenant's PSA."""
    # Per organization: the fields that changed, or None when the whole of it is news.
    changed: dict[OrganizationId, set[str] | None] = {}
    for event in events:
        if isinstance(event, OrganizationCreated):
            changed[event.organization_id] = None
        elif isinstance(event, OrganizationUpdated | OrganizationDeactivated):
            fields = set(event.changed) if isinstance(event, OrganizationUpdated) else {"status"}
            known: set[str] | None = changed.get(event.organization_id, set())
            changed[event.organization_id] = None if known is None else known | fields
    if not changed:
        return []
    targets = [c for c in await uow.connections.enabled() if _pushes_organizations(c, uow.origin)]
    messages: list[NewOutboxMessage] = []
    for organization_id, touched in changed.items():
        payload = organization_payload(await uow.organizations.get(organization_id))
        if touched is not None:
            payload["changed"] = sorted(touched)
        messages.extend(
            NewOutboxMessage(target.id, ORGANIZATION_PUSH, "organization", organization_id, payload)
            for target in targets
        )
    return messages


def combine(*policies: SyncPolicy) -> SyncPolicy:
    """One policy asking each context's policy in turn, their messages together."""

    async def combined(uow: UnitOfWork, events: Sequence[DomainEvent]) -> list[NewOutboxMessage]:
        messages: list[NewOutboxMessage] = []
        for policy in policies:
            messages += await policy(uow, events)
        return messages

    return combined
