"""Read-only mirrors of PSA records the hub shows but never edits: contracts and tickets.

PAY-12's first sync pulls them with organizations, contacts and invoices; each keeps the PSA's
id, title, status (the PSA's own label) and the organization it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.integrations.connection import ConnectionId
from domain.shared.events import Aggregate
from domain.shared.text import required_text


class RecordKind(StrEnum):
    CONTRACT = "contract"
    TICKET = "ticket"


@dataclass(eq=False, kw_only=True)
class PsaRecord(Aggregate):
    id: UUID
    tenant_id: TenantId
    connection_id: ConnectionId
    kind: RecordKind
    external_id: str
    organization_id: OrganizationId
    title: str
    status: str
    updated_at: datetime

    def __post_init__(self) -> None:
        self.title = required_text(self.title, "title", 255)
        self.status = required_text(self.status or "unknown", "status", 100)

    def mirror(
        self, organization_id: OrganizationId, title: str, status: str, now: datetime
    ) -> bool:
        """Take the PSA's current values; False when nothing changed."""
        title = required_text(title, "title", 255)
        status = required_text(status or "unknown", "status", 100)
        if (organization_id, title, status) == (self.organization_id, self.title, self.status):
            return False
        self.organization_id, self.title, self.status = organization_id, title, status
        self.updated_at = now
        return True
