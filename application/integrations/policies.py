"""Sync policies: which changes must reach which connected system (DESIGN "Sync", INT-5).

The unit of work calls the policy inside its commit, so an outbox message exists exactly when
the change it reports does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from application.integrations.messages import OrganizationPush
from application.integrations.outbox import NewOutboxMessage
from application.integrations.settings import HubSwitches
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


def organization_push(
    organization: Organization, changed: set[str] | None = None
) -> OrganizationPush:
    """The whole organization, and for an update the fields it touched."""
    profile = organization.profile
    return OrganizationPush(
        id=organization.id,
        name=organization.name,
        phone=organization.phone,
        fax=organization.fax,
        website=organization.website,
        account_number=organization.account_number,
        status=organization.status.value,
        billing_address=organization.billing_address,
        changed=None if changed is None else tuple(sorted(changed)),
        organization_type=profile.type.value,
        parent_id=profile.parent_id,
        bill_to_id=profile.bill_to_id,
        default_contact_id=profile.default_contact_id,
        currency=profile.currency.value if profile.currency is not None else None,
    )


def _pushes_organizations(connection: Connection, origin: ConnectionId | None) -> bool:
    return (
        connection.family is Family.PSA
        and HubSwitches.read(connection.settings).push_organizations
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
    if not targets:
        return []  # a pulled page with nowhere else to push it: no message to build
    messages: list[NewOutboxMessage] = []
    for organization_id, touched in changed.items():
        message = organization_push(await uow.organizations.get(organization_id), touched)
        messages.extend(
            NewOutboxMessage(target.id, "organization", organization_id, message)
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
