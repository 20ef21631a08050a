"""``q2c demo connectwise`` against ``q2c serve``: the demo tenant's PSA becomes the mounted
ConnectWise sandbox in one command, and a quote published through the API lands there as an
opportunity with its product items and PDF document (CW-1, CW-4, QUO-3, PAY-10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from tests.e2e.test_invoice_to_cash import eventually, hub
from tests.e2e.test_quote_to_psa import _post

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time

__all__ = ["hub"]  # the fixture


def _state(base: str) -> dict[str, Any]:
    state: dict[str, Any] = httpx.get(f"{base}/sandbox/connectwise/_sandbox/state").json()
    return state


def _quote(base: str, staff: dict[str, str]) -> dict[str, Any]:
    address = {
        "line1": "1 Harbor Way",
        "city": "Seattle",
        "state": "Washington",
        "country": "United States",
    }
    org = _post(
        base, staff, "/v1/organizations", {"name": "Bayside Dental", "billing_address": address}
    )
    contact = _post(
        base,
        staff,
        "/v1/contacts",
        {
            "organization_id": org["id"],
            "first_name": "Dana",
            "last_name": "Whitfield",
            "email": "dana@bayside.example",
        },
    )
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    quote: dict[str, Any] = _post(
        base, staff, "/v1/quotes",
        {"organization_id": org["id"], "contact_id": contact["id"], "owner_name": "Sam Rivera",
         "title": "Office refresh", "currency": "USD", "expires_on": expires,
         "lines": [
             {"name": "Dell Latitude 5450 laptop", "sku": "DL5450", "quantity": "5",
              "unit_price": "1249.00", "category": "Hardware"},
             {"name": "Managed workstation support", "kind": "service", "quantity": "25",
              "unit_price": "45.00", "period": "monthly"},
             {"name": "On-site installation", "kind": "labor", "quantity": "16",
              "unit_price": "145.00"},
         ]},
    )  # fmt: skip
    return quote


def _errors(base: str, staff: dict[str, str]) -> list[str]:
    found = httpx.get(f"{base}/v1/sync/errors", headers=staff).json()["items"]
    return [str(e["message"]) for e in found]


def test_one_command_switches_the_demo_to_connectwise_and_a_quote_lands_there(
    hub: tuple[str, str, Path],
) -> None:
    base, key, folder = hub
    staff = {"Authorization": f"Bearer {key}"}
    env = {
        "Q2C_DATABASE_URL": f"sqlite:///{folder / 'q2c.db'}",
        "Q2C_PORT": base.rsplit(":", 1)[1],
        "Q2C_LOG_FORMAT": "json",
    }
    result = CliRunner().invoke(cli, ["demo", "connectwise"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "turned off Autotask" in result.output  # one PSA at a time (PAY-10)
    assert "connected ConnectWise PSA (sandbox)" in result.output
    syncs = (
        "pull_contacts, pull_organizations, push_organizations, sync_opportunities, sync_products"
    )
    assert f"syncs on: {syncs}" in result.output
    assert "tested: connected" in result.output
    connections = httpx.get(f"{base}/v1/connections", headers=staff).json()
    enabled = {c["system"] for c in connections if c["enabled"] and c["family"] == "psa"}
    assert enabled == {"connectwise"}
    again = CliRunner().invoke(cli, ["demo", "connectwise"], env=env, catch_exceptions=False)
    assert "pointed ConnectWise PSA (sandbox)" in again.output  # run twice: one connection
    quote = _quote(base, staff)
    published = _post(base, staff, f"/v1/quotes/{quote['id']}/publish")
    assert published["status"] == "published"

    def landed() -> dict[str, Any] | None:
        counts = _state(base)["counts"]
        done = counts.get("system/documents") == 1 and counts.get("procurement/products") == 3
        return counts if done else None

    try:
        counts = eventually(landed, "the quote in ConnectWise")
    except AssertionError:
        raise AssertionError(f"sync errors: {_errors(base, staff)}") from None
    assert counts["sales/opportunities"] == 1
    assert counts["company/companies"] == 1  # the organization pushed as a company
