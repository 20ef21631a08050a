"""Hub organization ↔ Autotask Company: pure functions, no I/O (DESIGN "Vendors").

Field names are Autotask's (``contracts/autotask_entities.json``); the hub's own id travels in
a user-defined field so a create can be found again after a crash (INT-4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from adapters.vendors.autotask.contract import HUB_ID_UDF, UDFS, udf_value
from application.integrations.messages import OrganizationPush
from application.integrations.ports import VendorRejected
from application.integrations.records import PulledAddress, PulledOrganization

DEFAULT_COMPANY_TYPE = 1  # Customer

# Organization field → Company field, for the flat text fields.
_TEXT_FIELDS = {
    "name": "companyName",
    "phone": "phone",
    "fax": "fax",
    "website": "webAddress",
    "account_number": "companyNumber",
}
_ADDRESS_FIELDS = {
    "line1": "address1",
    "line2": "address2",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
}


def company_fields_of(changed: Sequence[str]) -> set[str]:
    """The Company fields that hold the given organization fields (for a one-call update)."""
    fields: set[str] = set()
    for name in changed:
        if name in _TEXT_FIELDS:
            fields.add(_TEXT_FIELDS[name])
        elif name == "billing_address":
            fields.update(_ADDRESS_FIELDS.values())
        elif name == "status":
            fields.add("isActive")
    return fields


@dataclass(frozen=True)
class CompanySettings:
    """The connection settings a Company is made with: ``hub_id_udf`` (the user-defined field
    holding the hub's id), ``default_owner_resource_id`` (None: one of the instance's resources,
    ``resources.py``) and ``company_type``."""

    hub_id_udf: str = HUB_ID_UDF
    owner_resource_id: int | None = None
    company_type: int = DEFAULT_COMPANY_TYPE


def company_settings(settings: Mapping[str, Any]) -> CompanySettings:
    """Read from the connection's settings (``AutotaskSettings.company``); refused, naming
    the setting, when one is not a number."""
    return CompanySettings(
        hub_id_udf=str(settings.get("hub_id_udf") or HUB_ID_UDF),
        owner_resource_id=int_setting(settings, "default_owner_resource_id"),
        company_type=_setting(settings, "company_type", DEFAULT_COMPANY_TYPE),
    )


def company_from_organization(
    organization: OrganizationPush, settings: CompanySettings
) -> dict[str, Any]:
    """The Company an ``organization.push`` message becomes.

    AT-1: Autotask requires a phone number on a company, so an organization without one is
    refused here, before any call.
    """
    if not text_or_none(organization.phone):
        raise VendorRejected("Autotask requires a phone number for a company (AT-1)")
    if not text_or_none(organization.name):
        raise VendorRejected("Autotask requires a name for a company")
    company: dict[str, Any] = {
        field: text_or_none(getattr(organization, key)) for key, field in _TEXT_FIELDS.items()
    }
    address = organization.billing_address
    company.update(
        {field: text_or_none(getattr(address, key)) for key, field in _ADDRESS_FIELDS.items()}
    )
    company["isActive"] = organization.status == "active"
    if settings.owner_resource_id is not None:  # else a create finds one (resources.py)
        company["ownerResourceID"] = settings.owner_resource_id
    company["companyType"] = settings.company_type
    company[UDFS] = [{"name": settings.hub_id_udf, "value": str(organization.id)}]
    return company


def organization_from_company(
    item: Mapping[str, Any], *, hub_id_udf: str = HUB_ID_UDF
) -> PulledOrganization:
    """What a pulled Company says about an organization."""
    text: dict[str, Any] = {k: text_or_none(item.get(f)) for k, f in _TEXT_FIELDS.items()}
    address = {key: text_or_none(item.get(field)) for key, field in _ADDRESS_FIELDS.items()}
    modified = item.get("lastTrackedModifiedDateTime")
    return PulledOrganization(
        external_id=str(item["id"]),
        **text,
        billing_address=PulledAddress(**address),  # Autotask keeps a countryID, not a name
        active=item.get("isActive") is not False,
        hub_id=text_or_none(udf_value(item, hub_id_udf)),
        modified_at=None if modified is None else str(modified),
    )


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``new`` whose value differs from ``old``; empty text equals null."""
    changes = {
        field: value
        for field, value in new.items()
        if field != UDFS and _same(old.get(field)) != _same(value)
    }
    udfs = [
        udf
        for udf in new.get(UDFS) or ()
        if _same(udf_value(old, udf["name"])) != _same(udf.get("value"))
    ]
    if udfs:
        changes[UDFS] = udfs
    return changes


def int_setting(settings: Mapping[str, Any], key: str) -> int | None:
    """A number from the connection's settings (text allowed), None when unset."""
    value = settings.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, bool):  # int(True) is 1, but True is no queue or type
        with suppress(TypeError, ValueError):
            return int(value)
    raise VendorRejected(f"the Autotask setting {key} must be a number, not {value!r}")


def _setting(settings: Mapping[str, Any], key: str, default: int) -> int:
    value = int_setting(settings, key)
    return default if value is None else value


def text_or_none(value: object) -> str | None:
    """Trimmed text; blank or None is None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _same(value: object) -> object:
    return None if value is None or value == "" else value
