"""HTTP shapes of organizations and contacts (BSS-1, BSS-2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from domain.crm.contact import Contact, ContactChanges, ContactProfile
from domain.crm.organization import (
    Address,
    ContactId,
    Organization,
    OrganizationChanges,
    OrganizationId,
    OrganizationProfile,
    OrganizationStatus,
    OrganizationType,
)
from domain.shared.money import Currency
from domain.shared.unset import UNSET as DOMAIN_UNSET
from domain.shared.unset import Unset as DomainUnset
from entrypoints.http.schemas.common import (
    CurrencyCode,
    Input,
    MoneyBody,
    MoneyOut,
    Output,
    convert_given,
    parse_currency,
    unset_to_domain,
)

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Short = Annotated[str, Meta(max_length=30)]
Line = Annotated[str, Meta(max_length=100)]


class AddressBody(Input, frozen=True):
    line1: Line | None = None
    line2: Line | None = None
    city: Line | None = None
    state: Line | None = None
    postal_code: Line | None = None
    country: Line | None = None

    def to_domain(self) -> Address:
        return Address(**msgspec.structs.asdict(self))

    @classmethod
    def of(cls, address: Address) -> AddressBody:
        return cls(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
            country=address.country,
        )


class OrganizationCreate(Input, frozen=True):
    name: Name
    type: OrganizationType = OrganizationType.CUSTOMER
    account_number: Annotated[str, Meta(max_length=50)] | None = None
    billing_address: AddressBody | None = None
    phone: Short | None = None
    fax: Short | None = None
    website: Annotated[str, Meta(max_length=255)] | None = None
    parent_id: UUID | None = None
    bill_to_id: UUID | None = None
    default_contact_id: UUID | None = None
    currency: CurrencyCode | None = None
    credit_limit: MoneyBody | None = None

    def to_profile(self) -> OrganizationProfile:
        return OrganizationProfile(
            name=self.name,
            type=self.type,
            account_number=self.account_number,
            billing_address=self.billing_address.to_domain() if self.billing_address else Address(),
            phone=self.phone,
            fax=self.fax,
            website=self.website,
            parent_id=_org(self.parent_id),
            bill_to_id=_org(self.bill_to_id),
            default_contact_id=_contact(self.default_contact_id),
            currency=parse_currency(self.currency),
            credit_limit=self.credit_limit.to_money("credit_limit") if self.credit_limit else None,
        )


class OrganizationPatch(Input, frozen=True):
    """Only the fields present change; ``null`` clears an optional field."""

    name: Name | UnsetType = UNSET
    type: OrganizationType | UnsetType = UNSET
    account_number: Annotated[str, Meta(max_length=50)] | None | UnsetType = UNSET
    billing_address: AddressBody | None | UnsetType = UNSET  # null clears it
    phone: Short | None | UnsetType = UNSET
    fax: Short | None | UnsetType = UNSET
    website: Annotated[str, Meta(max_length=255)] | None | UnsetType = UNSET
    parent_id: UUID | None | UnsetType = UNSET
    bill_to_id: UUID | None | UnsetType = UNSET
    default_contact_id: UUID | None | UnsetType = UNSET
    currency: CurrencyCode | None | UnsetType = UNSET
    credit_limit: MoneyBody | None | UnsetType = UNSET

    def to_changes(self) -> OrganizationChanges:
        return OrganizationChanges(
            name=unset_to_domain(self.name),
            type=unset_to_domain(self.type),
            account_number=unset_to_domain(self.account_number),
            billing_address=_address_change(self.billing_address),
            phone=unset_to_domain(self.phone),
            fax=unset_to_domain(self.fax),
            website=unset_to_domain(self.website),
            parent_id=convert_given(self.parent_id, OrganizationId),
            bill_to_id=convert_given(self.bill_to_id, OrganizationId),
            default_contact_id=convert_given(self.default_contact_id, ContactId),
            currency=convert_given(self.currency, Currency.parse),
            credit_limit=convert_given(self.credit_limit, lambda m: m.to_money("credit_limit")),
        )


class OrganizationOut(Output, frozen=True):
    id: UUID
    name: str
    type: OrganizationType
    status: OrganizationStatus
    account_number: str | None
    billing_address: AddressBody
    phone: str | None
    fax: str | None
    website: str | None
    parent_id: UUID | None
    bill_to_id: UUID | None
    default_contact_id: UUID | None
    currency: str | None
    credit_limit: MoneyOut | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, o: Organization) -> OrganizationOut:
        return cls(
            id=o.id,
            name=o.name,
            type=o.type,
            status=o.status,
            account_number=o.account_number,
            billing_address=AddressBody.of(o.billing_address),
            phone=o.phone,
            fax=o.fax,
            website=o.website,
            parent_id=o.parent_id,
            bill_to_id=o.bill_to_id,
            default_contact_id=o.default_contact_id,
            currency=o.currency.value if o.currency else None,
            credit_limit=MoneyOut.of(o.credit_limit),
            created_at=o.created_at,
            updated_at=o.updated_at,
        )


PersonName = Annotated[str, Meta(min_length=1, max_length=50)]
Email = Annotated[str, Meta(max_length=254)]


class ContactCreate(Input, frozen=True):
    organization_id: UUID
    first_name: PersonName
    last_name: PersonName
    title: Line | None = None
    email: Email | None = None
    phone: Short | None = None
    mobile: Short | None = None
    fax: Short | None = None

    def to_profile(self) -> ContactProfile:
        fields = msgspec.structs.asdict(self)
        del fields["organization_id"]
        return ContactProfile(**fields)


class ContactPatch(Input, frozen=True):
    first_name: PersonName | UnsetType = UNSET
    last_name: PersonName | UnsetType = UNSET
    title: Line | None | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET
    phone: Short | None | UnsetType = UNSET
    mobile: Short | None | UnsetType = UNSET
    fax: Short | None | UnsetType = UNSET

    def to_changes(self) -> ContactChanges:
        return ContactChanges(
            **{name: unset_to_domain(value) for name, value in msgspec.structs.asdict(self).items()}
        )


class ContactOut(Output, frozen=True):
    id: UUID
    organization_id: UUID
    first_name: str
    last_name: str
    title: str | None
    email: str | None
    phone: str | None
    mobile: str | None
    fax: str | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Contact) -> ContactOut:
        return cls(
            id=c.id,
            organization_id=c.organization_id,
            first_name=c.first_name,
            last_name=c.last_name,
            title=c.title,
            email=c.email,
            phone=c.phone,
            mobile=c.mobile,
            fax=c.fax,
            active=c.active,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


def _address_change(value: AddressBody | None | UnsetType) -> Address | DomainUnset:
    if isinstance(value, UnsetType):
        return DOMAIN_UNSET
    return value.to_domain() if value is not None else Address()


def _org(value: UUID | None) -> OrganizationId | None:
    return None if value is None else OrganizationId(value)


def _contact(value: UUID | None) -> ContactId | None:
    return None if value is None else ContactId(value)
