"""The instance's own look-ups: names a tenant sets, resolved to ids; the choices a screen offers.

Read once per client (``ConnectWiseClient.lookup``). A name the instance does not have, or
has only as inactive, is a ``VendorRejected`` naming it and the setting it came from, never a
guess. States and countries are looked up by name per call (there are many of them), with
``conditions``, and their answers checked to match (a filter a server ignored would answer
everything: the notes' ``like '%'`` report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.vendors.connectwise.client import ConnectWiseClient, ConnectWiseClients
from adapters.vendors.connectwise.contract import quoted
from application.integrations.ports import ConnectionConfig, VendorRejected


@dataclass(frozen=True)
class Lookup:
    path: str
    label: str = "name"  # the field a tenant names an entry by


LOOKUPS: Mapping[str, Lookup] = {
    "company_types": Lookup("company/companies/types"),
    "company_statuses": Lookup("company/companies/statuses"),
    "contact_types": Lookup("company/contacts/types", "description"),
    "communication_types": Lookup("company/communicationTypes", "description"),
    "opportunity_stages": Lookup("sales/stages"),
    "opportunity_statuses": Lookup("sales/opportunities/statuses"),
    "opportunity_types": Lookup("sales/opportunities/types", "description"),
    "probabilities": Lookup("sales/probabilities", "probability"),
    "locations": Lookup("system/locations"),
    "departments": Lookup("system/departments"),
    "members": Lookup("system/members", "identifier"),
    "product_types": Lookup("procurement/types"),
    "categories": Lookup("procurement/categories"),
    "subcategories": Lookup("procurement/subcategories"),
}


# Each setting that names a look-up entry (``settings.py``), and the look-up it names.
SETTING_LOOKUPS: Mapping[str, str] = {
    "company_type": "company_types",
    "pull_company_types": "company_types",
    "company_status": "company_statuses",
    "pull_company_statuses": "company_statuses",
    "contact_type": "contact_types",
    "new_quote.stage": "opportunity_stages",
    "new_quote.status": "opportunity_statuses",
    "new_quote.type": "opportunity_types",
    "new_quote.probability": "probabilities",
    "new_quote.location": "locations",
    "new_quote.department": "departments",
    "new_quote.default_employee": "members",
    "won_quote.stage": "opportunity_stages",
    "won_quote.status": "opportunity_statuses",
    "lost_quote.stage": "opportunity_stages",
    "lost_quote.status": "opportunity_statuses",
    "product_type": "product_types",
    "default_category.category": "categories",
    "default_category.subcategory": "subcategories",
    "category_mapping.*.category": "categories",
    "category_mapping.*.subcategory": "subcategories",
}


class ConnectWiseChoices:
    """``SettingChoices``: what each setting can be set to, from the instance's own look-ups
    (CW-1: "the choices offered come from the instance's own look-ups")."""

    def __init__(self, clients: ConnectWiseClients) -> None:
        self._clients = clients

    async def choices(self, connection: ConnectionConfig) -> Mapping[str, Sequence[str]]:
        offered = await choices(await self._clients.client(connection))
        return {setting: offered[key] for setting, key in SETTING_LOOKUPS.items()}


async def choices(client: ConnectWiseClient) -> dict[str, list[str]]:
    """What each setting can be set to: the active entries of each look-up, by name."""
    found: dict[str, list[str]] = {}
    for key, lookup in LOOKUPS.items():
        rows = await client.lookup(lookup.path)
        found[key] = [str(r.get(lookup.label)) for r in rows if not r.get("inactiveFlag")]
    return found


async def resolve(client: ConnectWiseClient, key: str, name: str, setting: str) -> int:
    """The id of the active entry of look-up ``key`` named ``name`` (any case)."""
    return int((await entry(client, key, name, setting))["id"])


async def entry(client: ConnectWiseClient, key: str, name: str, setting: str) -> dict[str, Any]:
    lookup = LOOKUPS[key]
    wanted = name.strip().casefold()
    for row in await client.lookup(lookup.path):
        if str(row.get(lookup.label, "")).casefold() == wanted and not row.get("inactiveFlag"):
            return row
    what = key.replace("_", " ").removesuffix("s")
    raise VendorRejected(f"ConnectWise has no active {what} named {name!r} (setting {setting})")


async def state_code(client: ConnectWiseClient, name: str) -> str:
    """The state's code, looked up by its name (seed 004); a code already is taken as one."""
    code: str = await client.by_name("state", name, lambda: _state_code(client, name))
    return code


async def _state_code(client: ConnectWiseClient, name: str) -> str:
    rows = await client.all(
        "company/states",
        conditions=f"name={quoted(name)} or identifier={quoted(name)}",
        page_size=10,
    )
    wanted = name.strip().casefold()
    for row in rows:
        if wanted in (
            str(row.get("name", "")).casefold(),
            str(row.get("identifier", "")).casefold(),
        ):
            return str(row.get("identifier"))
    raise VendorRejected(
        f"ConnectWise has no state named {name!r}: correct the organization's state"
    )


async def country_id(client: ConnectWiseClient, name: str) -> int:
    """The country's id, looked up by its name (seed 004)."""
    found: int = await client.by_name("country", name, lambda: _country_id(client, name))
    return found


async def _country_id(client: ConnectWiseClient, name: str) -> int:
    rows = await client.all("company/countries", conditions=f"name={quoted(name)}", page_size=10)
    for row in rows:
        if str(row.get("name", "")).casefold() == name.strip().casefold():
            return int(row["id"])
    raise VendorRejected(
        f"ConnectWise has no country named {name!r}: correct the organization's country"
    )


async def currency_id(client: ConnectWiseClient, code: str) -> int:
    """The currency's id, looked up by its code (seed 004)."""
    wanted = code.strip().casefold()
    for row in await client.lookup("finance/currencies"):
        if str(row.get("currencyCode", "")).casefold() == wanted and not row.get("inactiveFlag"):
            return int(row["id"])
    raise VendorRejected(f"ConnectWise has no active currency {code!r}: add it or correct it")
