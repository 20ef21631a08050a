"""The organization: an MSP's customer, prospect, vendor or partner (BSS-1)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.money import Currency, Money, check_price
from domain.shared.text import optional_text, required_text
from domain.shared.unset import UNSET, Maybe

OrganizationId = NewType("OrganizationId", UUID)
ContactId = NewType("ContactId", UUID)


class OrganizationType(StrEnum):
    CUSTOMER = "customer"
    PROSPECT = "prospect"
    VENDOR = "vendor"
    PARTNER = "partner"
    OTHER = "other"


class OrganizationStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Address:
    """A billing address: the only address the PSAs keep for a company (BSS-1)."""

    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = optional_text(getattr(self, f.name), f"billing_address.{f.name}", 100)
            object.__setattr__(self, f.name, value)


@dataclass(frozen=True, kw_only=True)
class OrganizationProfile:
    """Everything about an organization that staff edit (BSS-1)."""

    name: str
    type: OrganizationType = OrganizationType.CUSTOMER
    account_number: str | None = None
    billing_address: Address = field(default_factory=Address)
    phone: str | None = None
    fax: str | None = None
    website: str | None = None
    parent_id: OrganizationId | None = None
    bill_to_id: OrganizationId | None = None
    default_contact_id: ContactId | None = None
    currency: Currency | None = None
    credit_limit: Money | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "name", required_text(self.name, "name", 100))
        set_(self, "account_number", optional_text(self.account_number, "account_number", 50))
        set_(self, "phone", optional_text(self.phone, "phone", 30))
        set_(self, "fax", optional_text(self.fax, "fax", 30))
        set_(self, "website", optional_text(self.website, "website", 255))
        self._check_credit_limit()

    def _check_credit_limit(self) -> None:
        limit = self.credit_limit
        if limit is None:
            return
        check_price(limit, "credit_limit", rule="MON-4")
        if self.currency is not None and limit.currency is not self.currency:
            raise InvalidValue(
                f"credit_limit is in {limit.currency} but the organization bills in "
                f"{self.currency}",
                rule="MON-1",
                field="credit_limit",
            )


@dataclass(frozen=True, kw_only=True)
class OrganizationChanges:
    """A partial update: fields left ``UNSET`` keep their value."""

    name: Maybe[str] = UNSET
    type: Maybe[OrganizationType] = UNSET
    account_number: Maybe[str | None] = UNSET
    billing_address: Maybe[Address] = UNSET
    phone: Maybe[str | None] = UNSET
    fax: Maybe[str | None] = UNSET
    website: Maybe[str | None] = UNSET
    parent_id: Maybe[OrganizationId | None] = UNSET
    bill_to_id: Maybe[OrganizationId | None] = UNSET
    default_contact_id: Maybe[ContactId | None] = UNSET
    currency: Maybe[Currency | None] = UNSET
    credit_limit: Maybe[Money | None] = UNSET

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not UNSET}


@dataclass(frozen=True, kw_only=True)
class OrganizationCreated(DomainEvent):
    organization_id: OrganizationId


@dataclass(frozen=True, kw_only=True)
class OrganizationUpdated(DomainEvent):
    organization_id: OrganizationId
    changed: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OrganizationDeactivated(DomainEvent):
    organization_id: OrganizationId


class Organization(Aggregate):
    """A company the MSP deals with. Deactivated, never deleted: invoices keep pointing at it."""

    def __init__(
        self,
        *,
        id: OrganizationId,
        tenant_id: TenantId,
        profile: OrganizationProfile,
        now: datetime,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.status = OrganizationStatus.ACTIVE
        self.created_at = now
        self.updated_at = now
        self._apply(profile)
        self.record(OrganizationCreated(tenant_id=tenant_id, occurred_at=now, organization_id=id))

    @property
    def profile(self) -> OrganizationProfile:
        return OrganizationProfile(
            **{f.name: getattr(self, f.name) for f in fields(OrganizationProfile)}
        )

    @property
    def active(self) -> bool:
        return self.status is OrganizationStatus.ACTIVE

    def revise(self, changes: OrganizationChanges, now: datetime) -> None:
        """Apply a partial update; all checks run before anything changes."""
        given = changes.given()
        if not given:
            return
        self._apply(replace(self.profile, **given))  # type: ignore[arg-type]
        self.updated_at = now
        self.record(
            OrganizationUpdated(
                tenant_id=self.tenant_id,
                occurred_at=now,
                organization_id=self.id,
                changed=tuple(sorted(given)),
            )
        )

    def deactivate(self, now: datetime) -> None:
        if not self.active:
            raise DomainError(
                "the organization is already inactive", code="already_inactive", field="status"
            )
        self.status = OrganizationStatus.INACTIVE
        self.updated_at = now
        self.record(
            OrganizationDeactivated(
                tenant_id=self.tenant_id, occurred_at=now, organization_id=self.id
            )
        )

    def _apply(self, profile: OrganizationProfile) -> None:
        for ref in ("parent_id", "bill_to_id"):
            if getattr(profile, ref) == self.id:
                raise InvalidValue(f"an organization cannot be its own {ref[:-3]}", field=ref)
        for f in fields(OrganizationProfile):
            setattr(self, f.name, getattr(profile, f.name))

    # Attributes set by _apply, declared for type checkers.
    name: str
    type: OrganizationType
    account_number: str | None
    billing_address: Address
    phone: str | None
    fax: str | None
    website: str | None
    parent_id: OrganizationId | None
    bill_to_id: OrganizationId | None
    default_contact_id: ContactId | None
    currency: Currency | None
    credit_limit: Money | None
