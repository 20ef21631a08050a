"""Ports of the crm context: organizations and contacts (BSS-1, BSS-2)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.shared.pagination import PageRequest
from domain.crm.contact import Contact
from domain.crm.organization import (
    ContactId,
    Organization,
    OrganizationId,
    OrganizationStatus,
    OrganizationType,
)
from domain.crm.records import PsaRecord, RecordKind
from domain.integrations.connection import ConnectionId


@dataclass(frozen=True, kw_only=True)
class OrganizationFilter:
    status: OrganizationStatus | None = None
    type: OrganizationType | None = None
    search: str | None = None  # name or account number contains, case-insensitive
    parent_id: OrganizationId | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ContactFilter:
    organization_id: OrganizationId | None = None
    active: bool | None = None
    search: str | None = None  # name or email contains, case-insensitive


class OrganizationRepository(Protocol):
    """Organizations of the unit of work's tenant; others do not exist for it."""

    async def add(self, organization: Organization) -> None: ...

    async def get(self, organization_id: OrganizationId) -> Organization:
        """Raises NotFound when the id is unknown to this tenant."""
        ...

    async def get_many(
        self, organization_ids: Collection[OrganizationId]
    ) -> dict[OrganizationId, Organization]:
        """Those of the ids this tenant has, in one query (a pulled page's); others left out."""
        ...

    async def list(self, where: OrganizationFilter, page: PageRequest) -> list[Organization]:
        """Up to ``page.limit + 1`` rows after ``page.after``, ids ascending."""
        ...


class ContactRepository(Protocol):
    async def add(self, contact: Contact) -> None: ...

    async def get(self, contact_id: ContactId) -> Contact: ...

    async def get_many(self, contact_ids: Collection[ContactId]) -> dict[ContactId, Contact]:
        """Those of the ids this tenant has, in one query; others left out."""
        ...

    async def list(self, where: ContactFilter, page: PageRequest) -> list[Contact]: ...


class PsaRecordRepository(Protocol):
    """Read-only mirrors of the PSA's contracts and tickets (PAY-12)."""

    async def add(self, record: PsaRecord) -> None: ...

    async def find(
        self, connection_id: ConnectionId, kind: RecordKind, external_id: str
    ) -> PsaRecord | None: ...

    async def find_many(
        self, connection_id: ConnectionId, kind: RecordKind, external_ids: Collection[str]
    ) -> dict[str, PsaRecord]:
        """By external id, those the tenant mirrors, in one query (a pulled page's)."""
        ...

    async def of_organization(
        self, organization_id: OrganizationId, kind: RecordKind | None = None
    ) -> list[PsaRecord]: ...
