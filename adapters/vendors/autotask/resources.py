"""The instance's own resources (its users): owners of the companies and opportunities the hub
makes are chosen among them, never assumed (AT-9).

Autotask refuses an owner that is not one of its active resources, and resource ids differ
from one instance to the next. The owner is the setting when one is set
(``opportunity_owner_resource_id``, else ``default_owner_resource_id``); else the API user's
own resource (an Autotask API user is a resource too), found once per client by its user name
or email. The connection test checks a set owner and lists the active resources to choose from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.vendors.autotask.client import AutotaskClient
from application.integrations.ports import VendorRejected

RESOURCES = "Resources"
OWNER_SETTINGS = ("opportunity_owner_resource_id", "default_owner_resource_id")
_ACTIVE = {"op": "eq", "field": "isActive", "value": True}
_LISTED = 20  # resources named in a message


async def active_resources(client: AutotaskClient) -> list[dict[str, Any]]:
    """The active resources, lowest id first (one page: an MSP has fewer than 500 users)."""
    body = {"filter": [_ACTIVE], "MaxRecords": 500}
    page = await client.query_page(RESOURCES, body)
    return sorted(page.items, key=lambda item: int(item["id"]))


async def owner_resource_id(client: AutotaskClient, configured: int | None) -> int:
    """The configured owner, else the API user's own resource (asked once per client)."""
    if configured is not None:
        return configured
    owner: int = await client.remember("api_user_resource", lambda: _api_user_resource(client))
    return owner


async def check_owners(client: AutotaskClient, settings: Mapping[str, Any]) -> str | None:
    """INT-2: why no owner can be chosen with these settings, naming the choices; else None."""
    resources = await active_resources(client)
    ids = {int(item["id"]) for item in resources}
    for key in OWNER_SETTINGS:
        value = settings.get(key)
        if value not in (None, "") and _number(value) not in ids:
            return (
                f"the Autotask setting {key}: {value} is not an active resource of this "
                f"Autotask; choose one of {describe(resources)}"
            )
    if all(settings.get(key) in (None, "") for key in OWNER_SETTINGS):
        try:
            await owner_resource_id(client, None)
        except VendorRejected as exc:
            return exc.message
    return None


def describe(resources: Sequence[Mapping[str, Any]]) -> str:
    """``29682702 (Morgan Hale), …``: the ids and names a tenant chooses an owner from."""
    named = [f"{item['id']} ({_name(item)})" for item in resources[:_LISTED]]
    more = len(resources) - len(named)
    return ", ".join(named) + (f" and {more} more" if more > 0 else "") if named else "(none)"


async def _api_user_resource(client: AutotaskClient) -> int:
    user = client.connection.credentials.get("username", "")
    same = [{"op": "eq", "field": field, "value": user} for field in ("email", "userName")]
    body = {"filter": [_ACTIVE, {"op": "or", "items": same}], "MaxRecords": 10}
    found = (await client.query_page(RESOURCES, body)).items
    if found:
        return min(int(item["id"]) for item in found)
    raise VendorRejected(
        f"Autotask has no active resource for the API user {user}: set "
        f"opportunity_owner_resource_id to one of {describe(await active_resources(client))} "
        "(AT-9)"
    )


def _name(resource: Mapping[str, Any]) -> str:
    return " ".join(str(resource.get(k) or "") for k in ("firstName", "lastName")).strip()


def _number(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
