"""The ConnectWise connection's settings (CW-1..4, CW-7, INT-3), read with their defaults.

The only source of ConnectWise's defaults and save-time checks. Every sync starts disabled
(CW-1) and is enabled one by one. A tenant sets names, never ConnectWise ids: the adapter
resolves them through the instance's own look-ups (``lookups.py``), which also list the
choices a screen offers; the defaults are the names seed 001 calls common. A name the
instance does not have is a sync error naming it, and the connection test reports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy, with_defaults
from application.quotes.ports import Problem

# What syncs (CW-1): all off on connect. push/pull_organizations are the hub's switches.
SYNC_DEFAULTS: dict[str, Any] = {
    "push_organizations": False,
    "pull_organizations": False,
    "sync_opportunities": False,
    "sync_products": False,
    "sync_tickets": False,  # CW-3, the next issue
    "sync_purchase_orders": False,  # CW-6, the next issue
}

ORGANIZATION_DEFAULTS: dict[str, Any] = {
    # To ConnectWise (CW-2): a new company's type and status, its contacts' type.
    "company_type": "Customer",
    "company_status": "Active",
    "contact_type": "Approver",
    # From ConnectWise (CW-2): only companies of these types and statuses.
    "pull_company_types": ["Customer", "Prospect"],
    "pull_company_statuses": ["Active"],
}

OPPORTUNITY_DEFAULTS: dict[str, Any] = {
    # New quotes (CW-4): the opportunity's defaults; the owner is the quote's owner as a
    # member, else the default employee (None: the API member itself).
    "new_quote": {
        "stage": "Quote",
        "status": "Open",
        "location": "Headquarters",
        "department": "Sales",
        "type": "IT:Infrastructure",
        "probability": "50",
        "default_employee": None,
    },
    # Won quotes: KQM recommends an open status, to finish the win in ConnectWise.
    "won_quote": {"stage": "Closed Won", "status": "Open"},
    "lost_quote": {"stage": "Quote", "status": "Lost"},
}

PRODUCT_DEFAULTS: dict[str, Any] = {
    # CW-7, BSS-3: a catalog item made for an item with no match by MPN.
    "product_type": "Hardware",
    "product_class": "NonInventory",
    "recurrence_cycle": None,  # None: not recurring; else ProrateCycle|CalendarMonth|ContractYear
    "category_mapping": {},  # hub category -> {"category": name, "subcategory": name}
    "default_category": {"category": "Hardware", "subcategory": "Networking"},
}

DEFAULTS: dict[str, Any] = {
    **SYNC_DEFAULTS,
    **ORGANIZATION_DEFAULTS,
    **OPPORTUNITY_DEFAULTS,
    **PRODUCT_DEFAULTS,
}

PRODUCT_CLASSES = ("Agreement", "Bundle", "Inventory", "NonInventory", "Service")
RECURRENCE_CYCLES = ("ProrateCycle", "CalendarMonth", "ContractYear")


@dataclass(frozen=True)
class Syncs:
    organizations_out: bool
    organizations_in: bool
    opportunities: bool
    products: bool


@dataclass(frozen=True)
class OrganizationSettings:
    company_type: str
    company_status: str
    contact_type: str
    pull_types: tuple[str, ...]
    pull_statuses: tuple[str, ...]


@dataclass(frozen=True)
class StageStatus:
    stage: str | None
    status: str


@dataclass(frozen=True)
class OpportunitySettings:
    stage: str
    status: str
    location: str
    department: str
    type: str
    probability: str
    default_employee: str | None  # a member identifier
    won: StageStatus
    lost: StageStatus


@dataclass(frozen=True)
class CategoryPlace:
    category: str
    subcategory: str


@dataclass(frozen=True)
class ProductSettings:
    type: str
    product_class: str
    recurrence_cycle: str | None
    categories: Mapping[str, CategoryPlace]
    default_category: CategoryPlace

    def place(self, hub_category: str | None) -> CategoryPlace:
        """The mapped category of a hub category; unmapped ones take the default (CW-7)."""
        wanted = (hub_category or "").strip().casefold()
        for name, place in self.categories.items():
            if wanted and name.casefold() == wanted:
                return place
        return self.default_category


class SettingRefused(ValueError):
    def __init__(self, rule: str, key: str, message: str) -> None:
        super().__init__(f"the ConnectWise setting {key}: {message}")
        self.rule, self.key, self.message = rule, key, f"the ConnectWise setting {key}: {message}"


@dataclass(frozen=True)
class ConnectWiseSettings:
    """A ConnectWise connection's settings over ``DEFAULTS``, in typed groups; each group is
    read when first used, so a malformed product setting refuses products, not companies."""

    values: Mapping[str, Any]

    @cached_property
    def syncs(self) -> Syncs:
        v = self.values
        return Syncs(
            organizations_out=_flag(v, "push_organizations"),
            organizations_in=_flag(v, "pull_organizations"),
            opportunities=_flag(v, "sync_opportunities"),
            products=_flag(v, "sync_products"),
        )

    @cached_property
    def organizations(self) -> OrganizationSettings:
        v = self.values
        return OrganizationSettings(
            company_type=_name(v, "company_type", "CW-2"),
            company_status=_name(v, "company_status", "CW-2"),
            contact_type=_name(v, "contact_type", "CW-2"),
            pull_types=_names(v, "pull_company_types"),
            pull_statuses=_names(v, "pull_company_statuses"),
        )

    @cached_property
    def opportunities(self) -> OpportunitySettings:
        new = _group(self.values, "new_quote", OPPORTUNITY_DEFAULTS["new_quote"])
        probability = _name(new, "probability", "CW-4", key="new_quote.probability")
        if not probability.isdigit() or not 0 <= int(probability) <= 100:
            raise SettingRefused(
                "CW-4", "new_quote.probability", f"must be 0 to 100, not {probability!r}"
            )
        employee = new.get("default_employee")
        return OpportunitySettings(
            stage=_name(new, "stage", "CW-4", key="new_quote.stage"),
            status=_name(new, "status", "CW-4", key="new_quote.status"),
            location=_name(new, "location", "CW-4", key="new_quote.location"),
            department=_name(new, "department", "CW-4", key="new_quote.department"),
            type=_name(new, "type", "CW-4", key="new_quote.type"),
            probability=probability,
            default_employee=str(employee).strip() if employee else None,
            won=_stage_status(self.values, "won_quote"),
            lost=_stage_status(self.values, "lost_quote"),
        )

    @cached_property
    def products(self) -> ProductSettings:
        v = self.values
        product_class = _name(v, "product_class", "CW-7")
        if product_class not in PRODUCT_CLASSES:
            raise SettingRefused(
                "CW-7", "product_class", f"must be one of {', '.join(PRODUCT_CLASSES)}"
            )
        cycle = v.get("recurrence_cycle")
        if cycle is not None and cycle not in RECURRENCE_CYCLES:
            raise SettingRefused(
                "CW-7", "recurrence_cycle", f"must be one of {', '.join(RECURRENCE_CYCLES)} or null"
            )
        mapping = v.get("category_mapping")
        if not isinstance(mapping, Mapping):
            raise SettingRefused("CW-7", "category_mapping", "must be an object")
        return ProductSettings(
            type=_name(v, "product_type", "CW-7"),
            product_class=product_class,
            recurrence_cycle=cycle,
            categories={
                str(name): _place(entry, f"category_mapping.{name}")
                for name, entry in mapping.items()
            },
            default_category=_place(v.get("default_category"), "default_category"),
        )


def read_settings(settings: Mapping[str, Any]) -> ConnectWiseSettings:
    return ConnectWiseSettings(with_defaults(DEFAULTS, settings))


def problems(settings: Mapping[str, Any]) -> list[Problem]:
    """Every group read once: the first malformed setting of each group is a problem."""
    read = read_settings(settings)
    found: list[Problem] = []
    for group in ("syncs", "organizations", "opportunities", "products"):
        try:
            getattr(read, group)
        except SettingRefused as exc:
            found.append(Problem(exc.rule, exc.key, exc.message))
    return found


def connectwise_settings_policy() -> ProblemsPolicy[ConnectWiseSettings]:
    """ConnectWise's settings: every sync off on connect (CW-1), checked on every save."""
    return ProblemsPolicy(DEFAULTS, problems, read_settings)


def _flag(values: Mapping[str, Any], key: str) -> bool:
    value = values.get(key, False)
    if not isinstance(value, bool):
        raise SettingRefused("CW-1", key, f"must be true or false, not {value!r}")
    return value


def _name(values: Mapping[str, Any], name: str, rule: str, *, key: str | None = None) -> str:
    value = values.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise SettingRefused(rule, key or name, f"must be a name, not {value!r}")
    return value.strip()


def _names(values: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = values.get(key)
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise SettingRefused("CW-2", key, "must be a list of names")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise SettingRefused("CW-2", key, "must be a list of names")
    return tuple(v.strip() for v in value)


def _group(values: Mapping[str, Any], key: str, default: Mapping[str, Any]) -> dict[str, Any]:
    value = values.get(key)
    if not isinstance(value, Mapping):
        raise SettingRefused("CW-4", key, "must be an object")
    return {
        **default,
        **{k: v for k, v in value.items() if v is not None or k == "default_employee"},
    }


def _stage_status(values: Mapping[str, Any], key: str) -> StageStatus:
    group = _group(values, key, OPPORTUNITY_DEFAULTS[key])
    stage = group.get("stage")
    return StageStatus(
        stage=str(stage).strip() if stage else None,
        status=_name(group, "status", "CW-4", key=f"{key}.status"),
    )


def _place(entry: object, key: str) -> CategoryPlace:
    if not isinstance(entry, Mapping):
        raise SettingRefused("CW-7", key, "must be an object with category and subcategory")
    return CategoryPlace(
        category=_name(entry, "category", "CW-7", key=f"{key}.category"),
        subcategory=_name(entry, "subcategory", "CW-7", key=f"{key}.subcategory"),
    )
