"""The Kaseya BMS quoting settings of a connection (KBMS-1) and their save-time check (KBMS-2).

Kaseya's API takes ids where its screens show names, and has look-ups for only some of them:
opportunity statuses and warehouses are named here and resolved through their look-ups; the
account and opportunity defaults (types, rating, owner) have no look-up in the published API,
so they are ids, as a Kaseya admin reads them off the BMS screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy, with_defaults
from application.quotes.ports import Problem

STATUS_KEYS = ("published", "won", "lost")

QUOTE_SETTINGS_DEFAULTS: dict[str, Any] = {
    # Account settings: an organization (or contact) Kaseya does not know is created with these.
    "create_accounts": True,
    "account_type_id": 1,
    "business_type_id": 1,
    "account_manager_id": None,  # a Kaseya user id; None: the API user (its userinfo)
    "account_location_name": "Main",
    "create_contacts": True,
    "contact_email_type_id": 1,
    "contact_phone_type_id": 1,
    # Opportunity settings, for opportunities the push creates.
    "opportunity_type_id": 1,
    "opportunity_rating_id": 1,
    "opportunity_probability": 50,
    "opportunity_owner_id": None,  # the sales representative; None: the API user
    "opportunity_close_days": None,  # None: the quote's expiry date; N: N days after issue
    # Quote-status mapping: hub status → a Kaseya opportunity status (its name or id). A name no
    # status has is taken as a base status: the first active status of that base status.
    "status_mapping": {"published": "Open", "won": "Closed Won", "lost": "Closed Lost"},
    # Service-quotation settings (KBMS-2, KBMS-5, KBMS-6): off, service lines are left out.
    "service_quotations": False,
    "default_warehouse": None,  # a warehouse name or id
    # Item type: by the line's kind, unless its category carries one, unless overridden here.
    "item_types": {"product": "Product", "service": "Service", "labor": "Service"},
    "item_type_overrides": {},  # hub category or subcategory name → Kaseya item type
    "item_type_ids": {},  # Kaseya item type → its itemTypeId; empty: Kaseya's item type look-up
    # The name of the item types' look-up table (``GET /v2/system/lookup/{tableName}``): the
    # spec publishes the call, not the table's name.
    "item_types_table": "QuotationItemTypes",
    # PAY-14: Kaseya opportunities carry no user-defined fields in the published API, so the
    # quote URL is written to (and read from) a labelled line of the description.
    "quote_url_in_description": True,
}


@dataclass(frozen=True)
class QuoteSettings:
    """The settings, typed; ``None`` where the tenant left a choice open."""

    create_accounts: bool
    account_type_id: int
    business_type_id: int
    account_manager_id: int | None
    account_location_name: str
    create_contacts: bool
    contact_email_type_id: int
    contact_phone_type_id: int
    opportunity_type_id: int
    opportunity_rating_id: int
    opportunity_probability: float
    opportunity_owner_id: int | None
    opportunity_close_days: int | None
    status_mapping: Mapping[str, str | int]
    service_quotations: bool
    default_warehouse: str | int | None
    item_types: Mapping[str, str]
    item_type_overrides: Mapping[str, str]
    item_type_ids: Mapping[str, int]
    item_types_table: str
    quote_url_in_description: bool


_INTS = (
    "account_type_id",
    "business_type_id",
    "contact_email_type_id",
    "contact_phone_type_id",
    "opportunity_type_id",
    "opportunity_rating_id",
)
_USERS = ("account_manager_id", "opportunity_owner_id")  # None: the API user
_BOOLS = ("create_accounts", "create_contacts", "service_quotations", "quote_url_in_description")


def merged(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The connection's settings over the defaults (INT-3)."""
    return {**QUOTE_SETTINGS_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}


def check_settings(settings: Mapping[str, object]) -> list[Problem]:
    """What refuses these settings when they are saved (KBMS-1, KBMS-2); empty when fine."""
    values = {**ATTACHMENT_DEFAULTS, **merged(settings)}
    problems = [_kbms1(name, "a whole number") for name in _INTS if not _is_int(values[name])]
    problems += [
        _kbms1(name, "empty (the API user) or a Kaseya user id")
        for name in _USERS
        if values[name] is not None and not _is_int(values[name])
    ]
    problems += [_kbms1(name, "true or false") for name in _BOOLS if not _is_bool(values[name])]
    if not isinstance(values["item_types_table"], str) or not values["item_types_table"]:
        problems.append(_kbms1("item_types_table", "the name of a Kaseya look-up table"))
    modules = values["attachment_module_ids"]
    if not _is_map(modules, int) or "opportunity" not in modules:
        problems.append(
            _kbms1("attachment_module_ids", "Kaseya module ids by name, opportunity among them")
        )
    problems += _mapping_problems(values)
    if not isinstance(values["account_location_name"], str) or not values["account_location_name"]:
        problems.append(_kbms1("account_location_name", "a location name"))
    close_days = values["opportunity_close_days"]
    if close_days is not None and not (_is_int(close_days) and close_days >= 0):
        problems.append(_kbms1("opportunity_close_days", "empty or a number of days"))
    probability = values["opportunity_probability"]
    if not (_is_number(probability) and 0 <= probability <= 100):
        problems.append(_kbms1("opportunity_probability", "a percent from 0 to 100"))
    warehouse = values["default_warehouse"]
    if warehouse is not None and not (_is_int(warehouse) or isinstance(warehouse, str)):
        problems.append(_kbms1("default_warehouse", "a warehouse name or id"))
    if values["service_quotations"] is True and warehouse in (None, ""):
        problems.append(
            Problem(
                "KBMS-2",
                "default_warehouse",
                "Kaseya service quotations need a default warehouse to create service line "
                "items: choose one (create it in Kaseya BMS first if there is none)",
            )
        )
    return problems


def quote_settings(settings: Mapping[str, Any]) -> QuoteSettings:
    """The typed settings; callers check them first (``check_settings``)."""
    values = merged(settings)
    fields = QuoteSettings.__dataclass_fields__
    return QuoteSettings(**{name: values[name] for name in fields})


# Kaseya BMS takes quotes; organizations do not sync with it yet.
SYNC_DEFAULTS: dict[str, Any] = {"push_organizations": False, "pull_organizations": False}


# Kaseya publishes no numbering of the modules that take attachments (``moduleId``): these are
# the instance's numbers, as its admin reads them; the quote PDF goes on the opportunity's.
ATTACHMENT_DEFAULTS: dict[str, Any] = {"attachment_module_ids": {"opportunity": 3, "quotation": 4}}

DEFAULTS: dict[str, Any] = {**SYNC_DEFAULTS, **QUOTE_SETTINGS_DEFAULTS, **ATTACHMENT_DEFAULTS}


@dataclass(frozen=True)
class KaseyaSettings:
    """A Kaseya BMS connection's settings over ``DEFAULTS``: the quote settings, read when a
    quote needs them (checked first), and the instance's attachment module ids (by module
    name: Kaseya publishes no numbering)."""

    values: Mapping[str, Any]

    @cached_property
    def quote(self) -> QuoteSettings:
        return quote_settings(self.values)

    @property
    def attachment_module_ids(self) -> dict[str, int]:
        configured = self.values.get("attachment_module_ids")
        if not isinstance(configured, Mapping):
            return {}
        ids: dict[str, int] = {}
        for name, value in configured.items():
            with suppress(TypeError, ValueError):
                ids[str(name)] = int(value)
        return ids


def read_settings(settings: Mapping[str, Any]) -> KaseyaSettings:
    return KaseyaSettings(with_defaults(DEFAULTS, settings))


def kaseya_settings_policy() -> ProblemsPolicy[KaseyaSettings]:
    """Kaseya BMS's settings: these defaults on connect, ``check_settings`` on every save. The
    only source of Kaseya's defaults."""
    return ProblemsPolicy(DEFAULTS, check_settings, read_settings)


def _mapping_problems(values: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    mapping = values["status_mapping"]
    if not _is_map(mapping, str | int) or any(key not in mapping for key in STATUS_KEYS):
        problems.append(_kbms1("status_mapping", "a Kaseya status for published, won and lost"))
    type_ids = values["item_type_ids"]
    if not _is_map(type_ids, int):
        problems.append(_kbms1("item_type_ids", "Kaseya item type names with their ids"))
        type_ids = {}
    for name in ("item_types", "item_type_overrides"):
        types = values[name]
        if not _is_map(types, str):
            problems.append(_kbms1(name, "a map of names to Kaseya item types"))
        elif type_ids and (unknown := sorted({t for t in types.values() if t not in type_ids})):
            problems.append(_kbms1(name, f"item types listed in item_type_ids, not {unknown}"))
    return problems


def _kbms1(field: str, wanted: str) -> Problem:
    return Problem("KBMS-1", field, f"the Kaseya setting {field} must be {wanted}")


def _is_map(value: object, kind: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, kind) and not isinstance(v, bool)
        for k, v in value.items()
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
