"""The Autotask connection's quoting settings (AT-9), read with their defaults.

Company settings are the ones organizations already use (``default_owner_resource_id``,
``company_type``, ``hub_id_udf``: ``translate/companies.py``); owners are the instance's own
resources, never an assumed id (``resources.py``). The rest is here: opportunity settings,
the quote-status mapping, products-and-services settings, the item-category mapping (with the
labor flag) and the tax-code mapping. Labels and names, never Autotask ids, are what a tenant
sets: the adapter resolves them per instance (picklists from entityInformation, billing codes
and tax categories by name), so a setting survives a move to another Autotask database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from adapters.vendors.autotask.contract import HUB_ID_UDF
from adapters.vendors.autotask.translate.companies import (
    DEFAULT_COMPANY_TYPE,
    CompanySettings,
    company_settings,
    int_setting,
    text_or_none,
)
from adapters.vendors.autotask.translate.writes import TicketSettings, ticket_settings
from adapters.vendors.kit.settings import ProblemsPolicy, with_defaults
from application.integrations.ports import VendorRejected
from application.quotes.ports import Problem

PUBLISHED, WON, LOST = "published", "won", "lost"
CATEGORIES = "item_category_mapping"

QUOTE_SETTINGS_DEFAULTS: dict[str, Any] = {
    # Opportunity settings. Owner: a Resources id of the instance (the connection test lists
    # them); None: default_owner_resource_id, else the API user's own resource (resources.py).
    "opportunity_owner_resource_id": None,
    "opportunity_probability": 50,
    "opportunity_close_days": None,  # None: the quote's expiry is the projected close date
    "opportunity_rating": None,  # labels, sent only where the instance requires the field
    "opportunity_lead_source": None,
    "quote_url_udf": "Quote URL",  # PAY-14: the Opportunity UDF the portal reads
    # Quote-status mapping (QUO-4): Opportunity status and stage labels per hub status.
    "quote_status_mapping": {
        PUBLISHED: {"status": "Active", "stage": "Proposal"},
        WON: {"status": "Closed", "stage": "Closed Won"},
        LOST: {"status": "Lost", "stage": "Closed Lost"},
    },
    # Products-and-services settings: billing code names (BillingCodes.name).
    "product_billing_code": "Hardware",  # new Products' productBillingCodeID
    "service_billing_code": "Recurring Services",  # new Services' billingCodeID
    "labor_billing_code": "Remote Support",  # Labor quote items' laborID (AT-4)
    "quote_discount_product": "Discount",  # the Product the quote-level discount item uses
    # Item-category mapping (AT-3, AT-4): hub category → {"labor": bool, "autotask_category":
    # label, "labor_billing_code": name, "subcategories": {name: {same keys}}}.
    "item_category_mapping": {},
    # Tax-code mapping (AT-8): hub tax code → Autotask TaxCategory name.
    "tax_code_mapping": {},
}


class SettingRefused(VendorRejected):
    """A malformed quoting setting; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"the Autotask setting {key}: {message}")
        self.key = key


@dataclass(frozen=True)
class CategoryRule:
    """What the item-category mapping says of one hub category or subcategory."""

    labor: bool | None = None  # None: not set here (a subcategory inherits its category's)
    autotask_category: str | None = None  # a Products productCategory label (AT-3)
    labor_billing_code: str | None = None


@dataclass(frozen=True)
class StatusLabels:
    status: str
    stage: str | None


@dataclass(frozen=True)
class QuoteSettings:
    owner_resource_id: int | None  # None: the API user's own resource (resources.py)
    probability: int
    close_days: int | None
    rating: str | None
    lead_source: str | None
    quote_url_udf: str
    statuses: Mapping[str, StatusLabels]
    product_billing_code: str
    service_billing_code: str
    labor_billing_code: str
    discount_product: str
    # hub category name → its rule and its subcategories' rules, names as the tenant wrote them
    categories: Mapping[str, tuple[CategoryRule, Mapping[str, CategoryRule]]] = field(
        default_factory=dict
    )
    tax_categories: Mapping[str, str] = field(default_factory=dict)

    def category_rule(self, category: str | None, subcategory: str | None) -> CategoryRule:
        """The subcategory's rule over its category's, field by field (names any case)."""
        found = _find(self.categories, category)
        if found is None:
            return CategoryRule()
        rule, subcategories = found
        sub = _find(subcategories, subcategory)
        if sub is None:
            return rule
        return CategoryRule(
            labor=rule.labor if sub.labor is None else sub.labor,
            autotask_category=sub.autotask_category or rule.autotask_category,
            labor_billing_code=sub.labor_billing_code or rule.labor_billing_code,
        )

    def status_labels(self, status: str) -> StatusLabels:
        labels = self.statuses.get(status)
        if labels is None:
            raise SettingRefused("quote_status_mapping", f"no {status!r} entry")
        return labels


def quote_settings(settings: Mapping[str, Any]) -> QuoteSettings:
    """The settings, each missing one at its default; a malformed one is refused (AT-9)."""
    merged = {**QUOTE_SETTINGS_DEFAULTS, **{k: v for k, v in settings.items() if v is not None}}
    owner = int_setting(merged, "opportunity_owner_resource_id")
    if owner is None:
        owner = int_setting(merged, "default_owner_resource_id")
    return QuoteSettings(
        owner_resource_id=owner,
        probability=_probability(merged),
        close_days=int_setting(merged, "opportunity_close_days"),
        rating=text_or_none(merged.get("opportunity_rating")),
        lead_source=text_or_none(merged.get("opportunity_lead_source")),
        quote_url_udf=_text(merged, "quote_url_udf"),
        statuses=_statuses(_mapping(merged, "quote_status_mapping")),
        product_billing_code=_text(merged, "product_billing_code"),
        service_billing_code=_text(merged, "service_billing_code"),
        labor_billing_code=_text(merged, "labor_billing_code"),
        discount_product=_text(merged, "quote_discount_product"),
        categories=_categories(_mapping(merged, CATEGORIES)),
        tax_categories={
            str(code).strip().casefold(): str(name).strip()
            for code, name in _mapping(merged, "tax_code_mapping").items()
            if text_or_none(name)
        },
    )


def check_quote_settings(settings: Mapping[str, Any]) -> list[Problem]:
    """The quoting settings' problems when they are saved (AT-9), one per bad setting."""
    try:
        quote_settings(settings)
    except SettingRefused as exc:
        return [Problem("AT-9", exc.key, exc.message)]
    except VendorRejected as exc:  # a number setting that is not one
        return [Problem("AT-9", "settings", exc.message)]
    return []


# What syncs with Autotask, on connect (INT-3): both ways for organizations (pull and push),
# with contacts, contracts, tickets and invoices (PAY-12), and the date paid recorded there.
SYNC_DEFAULTS: dict[str, Any] = {
    "push_organizations": True,
    "pull_organizations": True,
    "pull_invoices": True,
    "record_payments": True,  # an invoice paid here gets its paid date in the PSA
    "ticket_notifications": [],  # PAY-13: e.g. ["payment_failed", "settlement_failed"]
    "hub_id_udf": HUB_ID_UDF,
    "default_owner_resource_id": None,  # a Resources id; None: the API user's resource
    "company_type": DEFAULT_COMPANY_TYPE,
}


DEFAULTS: dict[str, Any] = {**SYNC_DEFAULTS, **QUOTE_SETTINGS_DEFAULTS}


@dataclass(frozen=True)
class AutotaskSettings:
    """An Autotask connection's settings over ``DEFAULTS``, in typed groups. Each group is read
    when first used, so a malformed ticket setting refuses tickets, not organization pushes."""

    values: Mapping[str, Any]

    @cached_property
    def company(self) -> CompanySettings:
        return company_settings(self.values)

    @cached_property
    def tickets(self) -> TicketSettings:
        """Refused (``VendorRejected``) without ``ticket_queue_id`` (PAY-13)."""
        return ticket_settings(self.values)

    @cached_property
    def quote(self) -> QuoteSettings:
        return quote_settings(self.values)


def read_settings(settings: Mapping[str, Any]) -> AutotaskSettings:
    return AutotaskSettings(with_defaults(DEFAULTS, settings))


def autotask_settings_policy() -> ProblemsPolicy[AutotaskSettings]:
    """Autotask's settings (AT-9): what syncs and how quotes land, these defaults on connect,
    checked on every save. The only source of Autotask's defaults."""
    return ProblemsPolicy(DEFAULTS, check_quote_settings, read_settings)


def _statuses(raw: Mapping[str, Any]) -> dict[str, StatusLabels]:
    defaults: Mapping[str, Any] = QUOTE_SETTINGS_DEFAULTS["quote_status_mapping"]
    statuses = {}
    for status in (PUBLISHED, WON, LOST):
        entry = raw.get(status, defaults[status])
        if not isinstance(entry, Mapping) or not text_or_none(entry.get("status")):
            raise SettingRefused("quote_status_mapping", f"{status!r} needs a status label")
        statuses[status] = StatusLabels(
            str(entry["status"]).strip(), text_or_none(entry.get("stage"))
        )
    return statuses


def _categories(
    raw: Mapping[str, Any],
) -> dict[str, tuple[CategoryRule, Mapping[str, CategoryRule]]]:
    categories: dict[str, tuple[CategoryRule, Mapping[str, CategoryRule]]] = {}
    for name, entry in raw.items():
        subs = _entry(name, entry).get("subcategories") or {}
        if not isinstance(subs, Mapping):
            raise SettingRefused(CATEGORIES, f"the subcategories of {name!r} must be an object")
        categories[str(name).strip()] = (
            _rule(name, entry),
            {str(sub).strip(): _rule(f"{name} / {sub}", value) for sub, value in subs.items()},
        )
    return categories


def _rule(name: str, entry: object) -> CategoryRule:
    values = _entry(name, entry)
    labor = values.get("labor")
    if labor is not None and not isinstance(labor, bool):
        raise SettingRefused(CATEGORIES, f"the labor flag of {name!r} must be true or false")
    return CategoryRule(
        labor=labor,
        autotask_category=text_or_none(values.get("autotask_category")),
        labor_billing_code=text_or_none(values.get("labor_billing_code")),
    )


def _entry(name: str, entry: object) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise SettingRefused(CATEGORIES, f"the entry {name!r} must be an object")
    return entry


def _mapping(settings: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = settings.get(key)
    if not isinstance(value, Mapping):
        raise SettingRefused(key, f"must be an object, not {value!r}")
    return value


def _probability(settings: Mapping[str, Any]) -> int:
    value = int_setting(settings, "opportunity_probability") or 0
    if not 0 <= value <= 100:
        raise SettingRefused("opportunity_probability", f"must be 0 to 100, not {value}")
    return value


def _text(settings: Mapping[str, Any], key: str) -> str:
    value = text_or_none(settings.get(key))
    if value is None:
        raise SettingRefused(key, "must not be empty")
    return value


T = TypeVar("T")


def _find(named: Mapping[str, T], name: str | None) -> T | None:
    """The entry of this name, any case."""
    wanted = (name or "").strip().casefold()
    return next((v for k, v in named.items() if wanted and k.casefold() == wanted), None)
