"""What the Kaseya BMS tests share: a connection to a sandbox, request bodies, and Kaseya's
published OpenAPI file read as a validator of requests and answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from adapters.sandboxes.kaseya_bms.app import SANDBOX_CREDENTIALS
from adapters.sandboxes.kaseya_bms.store import KaseyaStore
from adapters.vendors.kaseya_bms.calls import OPPORTUNITY_INPUT
from adapters.vendors.kaseya_bms.client import KaseyaClient
from application.integrations.ports import ConnectionConfig
from domain.integrations.connection import System
from tests.support.autotask import contracts_dir
from tests.support.sandboxes import RunningSandbox, sandbox_connection

CONTOSO, CONTOSO_HQ, ADA = 1001, 2001, 3001  # seeded account, its main location, a contact
OPEN_ACTIVE_STATUS, ON_HOLD_STATUS, WON_STATUS = 2, 4, 5
PRODUCT, SERVICE = 1, 2  # item types
SWITCH, MANAGED_SERVICES, WORKSHOP_WITHOUT_COST = 5001, 6001, 6003
MAIN_WAREHOUSE = 1


def kaseya_connection(
    base_url: str,
    *,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ConnectionConfig:
    return sandbox_connection(
        System.KASEYA_BMS, base_url, credentials or SANDBOX_CREDENTIALS, settings
    )


@dataclass(frozen=True)
class KaseyaSandbox(RunningSandbox):
    @property
    def store(self) -> KaseyaStore:
        assert isinstance(self.runtime.state, KaseyaStore)
        return self.runtime.state

    async def expire_tokens(self, *, refresh: bool = False) -> None:
        await self.control("kaseya/tokens/expire", {"refresh": refresh})


def opportunity_body(**changes: Any) -> dict[str, Any]:
    """An ``OpportunityInputDto`` with its ten required fields, on the seeded Contoso."""
    return {
        "Subject": "Managed services for Contoso",
        "StatusId": OPEN_ACTIVE_STATUS,
        "AccountId": CONTOSO,
        "AccountLocationId": CONTOSO_HQ,
        "ContactId": ADA,
        "TypeId": 1,
        "Probability": 50.0,
        "RatingId": 2,
        "SalesRepresentativeUserId": 101,
        "Amount": 1234.5,
        "CloseDate": "2026-12-31T00:00:00",
        **changes,
    }


def quotation_body(opportunity_id: int, **changes: Any) -> dict[str, Any]:
    """A ``QuotationInputDto`` (NOT IN THE PUBLISHED SPEC) expiring in a month."""
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT00:00:00")
    return {
        "Name": "Q-1042 Managed services",
        "OpportunityId": opportunity_id,
        "ExpiryDate": expiry,
        "WarehouseId": MAIN_WAREHOUSE,
        **changes,
    }


def line_body(item_id: int, **changes: Any) -> dict[str, Any]:
    """A ``QuotationLineItemInputDto``."""
    values = {"Id": item_id, "Quantity": 2.0, "UnitPrice": 45.0, "UnitCost": 20.0}
    return {**values, "Discount": 0.0, "Taxable": False, **changes}


# --- compositions of the client's calls the sandbox tests use (the hub does not) -----------


async def change_opportunity(
    client: KaseyaClient, opportunity_id: int, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Read the opportunity, then PUT its input fields with ``changes``: the spec's PUT
    replaces, it does not patch."""
    current = await client.opportunity(opportunity_id)
    body = {name: current.get(name) for name in OPPORTUNITY_INPUT}
    if body.get("ContactId") in (None, 0):
        body.pop("ContactId")
    return await client.update_opportunity(opportunity_id, {**body, **changes})


async def quotes_of_opportunity(
    client: KaseyaClient, account_id: int, opportunity_id: int
) -> list[dict[str, Any]]:
    """The account's quotations made for ``opportunity_id``, each read."""
    summaries = (await client.quotes(account_id=account_id)).items
    quotes = [await client.quote(int(summary["Id"])) for summary in summaries]
    return [quote for quote in quotes if quote.get("OpportunityId") == opportunity_id]


async def replace_attachment(
    client: KaseyaClient, module_id: int, object_id: int, file_name: str, content: bytes
) -> dict[str, Any]:
    """Upload ``file_name``, then delete every earlier attachment of that name."""
    made = await client.upload_attachment(module_id, object_id, file_name, content)
    for old in await client.attachments(module_id, object_id):
        if old.get("OriginalFileName") == file_name and old.get("Id") != made.get("Id"):
            await client.delete_attachment(module_id, object_id, int(old["Id"]))
    return made


# --- Kaseya's published OpenAPI file --------------------------------------------------------

_TYPES: dict[str, type | tuple[type, ...]] = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


class OpenApi:
    """Operations and schemas of ``kaseya_bms_openapi.json``, and a validator over them.

    ``problems`` follows OpenAPI 3.0 with one reading the file needs: a property given as a bare
    ``$ref`` may be null (3.0 cannot write ``nullable`` beside a ``$ref``, and ASP.NET answers
    null there, e.g. ``Error`` of a success).
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.paths: dict[str, dict[str, Any]] = document["paths"]
        self.schemas: dict[str, dict[str, Any]] = document["components"]["schemas"]

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        found = self.paths.get(path, {}).get(method.lower())
        return found if isinstance(found, dict) else None

    def response_schema(self, method: str, path: str) -> dict[str, Any] | None:
        """The 200 answer's JSON schema, or None when the spec gives it no content."""
        op = self.operation(method, path) or {}
        content = op.get("responses", {}).get("200", {}).get("content") or {}
        found = content.get("application/json", {}).get("schema")
        return found if isinstance(found, dict) else None

    def request_schema(self, method: str, path: str, content_type: str) -> dict[str, Any]:
        op = self.operation(method, path) or {}
        content = op.get("requestBody", {}).get("content", {})
        schema: dict[str, Any] = content[content_type]["schema"]
        return schema

    def parameters(self, method: str, path: str, where: str) -> dict[str, dict[str, Any]]:
        op = self.operation(method, path) or {}
        return {p["name"]: p for p in op.get("parameters", []) if p["in"] == where}

    def resolve(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self.schemas[str(schema["$ref"]).rsplit("/", 1)[-1]]
        return dict(schema)

    def problems(self, schema: Mapping[str, Any], value: object, where: str = "$") -> list[str]:
        resolved = self.resolve(schema)
        if value is None:
            ok = resolved.get("nullable") or "$ref" in schema
            return [] if ok else [f"{where}: null where the spec allows none"]
        if "enum" in resolved and value not in resolved["enum"]:
            return [f"{where}: {value!r} is not one of {resolved['enum']}"]
        kind = resolved.get("type", "object")
        if not isinstance(value, _TYPES[kind]) or (isinstance(value, bool) and kind != "boolean"):
            return [f"{where}: {value!r} is not {kind}"]
        if isinstance(value, str) and resolved.get("format") == "date-time":
            return [] if _is_datetime(value) else [f"{where}: {value!r} is not a date-time"]
        if isinstance(value, list):
            items = resolved.get("items", {})
            return [
                p for n, v in enumerate(value) for p in self.problems(items, v, f"{where}[{n}]")
            ]
        return self._object(resolved, value, where) if isinstance(value, dict) else []

    def _object(self, schema: Mapping[str, Any], value: dict[str, Any], where: str) -> list[str]:
        properties: dict[str, Any] = schema.get("properties", {})
        found = [
            f"{where}.{name}: not in the schema"
            for name in value
            if name not in properties and schema.get("additionalProperties") is False
        ]
        found += [
            f"{where}.{name}: required" for name in schema.get("required", []) if name not in value
        ]
        for name, item in value.items():
            if name in properties:
                found += self.problems(properties[name], item, f"{where}.{name}")
        return found


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@cache
def _read(path: Path) -> OpenApi:
    return OpenApi(json.loads(path.read_text()))


def kaseya_openapi() -> OpenApi:
    """Kaseya's published spec from ``shared/contracts`` (skipped when it is absent)."""
    return _read(contracts_dir() / "kaseya_bms_openapi.json")
