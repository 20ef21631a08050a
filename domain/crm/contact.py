"""The contact: a person at an organization, with four communication items (BSS-2)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from domain.crm.organization import ContactId, OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError
from domain.shared.events import Aggregate, DomainEvent
from domain.shared.text import optional_email, optional_text, required_text
from domain.shared.unset import UNSET, Maybe


@dataclass(frozen=True, kw_only=True)
class ContactProfile:
    first_name: str
    last_name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "first_name", required_text(self.first_name, "first_name", 50))
        set_(self, "last_name", required_text(self.last_name, "last_name", 50))
        set_(self, "title", optional_text(self.title, "title", 100))
        set_(self, "email", optional_email(self.email, "email"))
        for item in ("phone", "mobile", "fax"):
            set_(self, item, optional_text(getattr(self, item), item, 30))


@dataclass(frozen=True, kw_only=True)
class ContactChanges:
    first_name: Maybe[str] = UNSET
    last_name: Maybe[str] = UNSET
    title: Maybe[str | None] = UNSET
    email: Maybe[str | None] = UNSET
    phone: Maybe[str | None] = UNSET
    mobile: Maybe[str | None] = UNSET
    fax: Maybe[str | None] = UNSET

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not UNSET}


@dataclass(frozen=True, kw_only=True)
class ContactCreated(DomainEvent):
    contact_id: ContactId
    organization_id: OrganizationId


@dataclass(frozen=True, kw_only=True)
class ContactUpdated(DomainEvent):
    contact_id: ContactId
    changed: tuple[str, ...]


class Contact(Aggregate):
    """Belongs to one organization for life; deactivated rather than deleted."""

    def __init__(
        self,
        *,
        id: ContactId,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        profile: ContactProfile,
        now: datetime,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.organization_id = organization_id
        self.active = True
        self.created_at = now
        self.updated_at = now
        self._apply(profile)
        self.record(
            ContactCreated(
                tenant_id=tenant_id, occurred_at=now, contact_id=id, organization_id=organization_id
            )
        )

    @property
    def profile(self) -> ContactProfile:
        return ContactProfile(**{f.name: getattr(self, f.name) for f in fields(ContactProfile)})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def revise(self, changes: ContactChanges, now: datetime) -> None:
        given = changes.given()
        if not given:
            return
        self._apply(replace(self.profile, **given))  # type: ignore[arg-type]
        self.updated_at = now
        self.record(
            ContactUpdated(
                tenant_id=self.tenant_id,
                occurred_at=now,
                contact_id=self.id,
                changed=tuple(sorted(given)),
            )
        )

    def deactivate(self, now: datetime) -> None:
        if not self.active:
            raise DomainError(
                "the contact is already inactive", code="already_inactive", field="active"
            )
        self.active = False
        self.updated_at = now

    def _apply(self, profile: ContactProfile) -> None:
        for f in fields(ContactProfile):
            setattr(self, f.name, getattr(profile, f.name))

    first_name: str
    last_name: str
    title: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    fax: str | None
