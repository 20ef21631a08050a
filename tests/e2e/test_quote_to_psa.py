"""A quote published to the PSA, won and lost, in ``q2c serve`` with its sandboxes (QUO-1..7).

A quote built through the API and published lands in the Autotask sandbox with its opportunity,
quote, items and PDF (QUO-3, AT-1..8); an edit updates what it made, one item and one PDF
(QUO-6); won moves the opportunity (QUO-4). The same tenant then switches its PSA to Kaseya BMS
and a quote lands there (KBMS); lost moves that opportunity. The PDF reads right.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium  # type: ignore[import-untyped,unused-ignore]
import pytest

from entrypoints.sandboxes import KASEYA
from tests.e2e.test_invoice_to_cash import AUTOTASK_HEADERS, eventually, hub

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time

__all__ = ["hub"]  # the fixture


def _post(base: str, staff: dict[str, str], path: str, body: Any = None) -> Any:
    response = httpx.post(f"{base}{path}", headers=staff, json=body)
    assert response.status_code in (200, 201, 202), response.text
    return response.json()


def _autotask(base: str) -> dict[str, Any]:
    entities: dict[str, Any] = httpx.get(f"{base}/sandbox/autotask/_sandbox/state").json()[
        "entities"
    ]
    return entities


def _picklist_label(base: str, entity: str, field: str, value: int) -> str:
    url = f"{base}/sandbox/autotask/atservicesrest/v1.0/{entity}/entityInformation/fields"
    fields = httpx.get(url, headers=AUTOTASK_HEADERS).json()["fields"]
    (found,) = [f for f in fields if f["name"] == field]
    return str(next(v["label"] for v in found["picklistValues"] if int(v["value"]) == value))


def _quote(base: str, staff: dict[str, str], name: str) -> dict[str, Any]:
    org = _post(base, staff, "/v1/organizations", {"name": name, "phone": "555-0142"})
    contact = _post(
        base, staff, "/v1/contacts",
        {"organization_id": org["id"], "first_name": "Dana", "last_name": "Whitfield",
         "email": f"dana@{name.split(maxsplit=1)[0].lower()}.example"},
    )  # fmt: skip
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    quote: dict[str, Any] = _post(
        base, staff, "/v1/quotes",
        {"organization_id": org["id"], "contact_id": contact["id"], "owner_name": "Sam Rivera",
         "title": "Office refresh", "currency": "USD", "expires_on": expires,
         "discount": {"kind": "percent", "value": "5"},
         "lines": [
             {"name": "Dell Latitude 5450 laptop", "sku": "DL5450", "quantity": "5",
              "unit_price": "1249.00", "unit_cost": "990.00", "category": "Hardware",
              "tax_rate": "8.25", "discount": {"kind": "amount", "value": "250.00"}},
             {"name": "Managed workstation support", "kind": "service", "quantity": "25",
              "unit_price": "45.00", "unit_cost": "20.00", "period": "monthly"},
             {"name": "On-site installation", "kind": "labor", "quantity": "16",
              "unit_price": "145.00", "category": "Labor", "taxable": False},
         ]},
    )  # fmt: skip
    return quote


def test_a_quote_lands_in_autotask_then_in_kaseya(hub: tuple[str, str, Path]) -> None:
    base, key, _folder = hub
    staff = {"Authorization": f"Bearer {key}"}
    _post(base, staff, "/v1/catalog/categories", {"name": "Labor", "labor": True})  # AT-4
    quote = _quote(base, staff, "Bayside Dental")
    opportunity, items = in_autotask(base, staff, quote)
    edited_in_place(base, staff, quote, opportunity, items)
    open_in_the_portal(base, staff, quote, opportunity)
    won_in_autotask(base, staff, quote, opportunity)
    the_pdf_reads_right(base, staff, quote)
    in_kaseya(base, staff)


def _pushed(base: str, staff: dict[str, str], quote: dict[str, Any]) -> dict[str, Any] | None:
    read: dict[str, Any] = httpx.get(f"{base}/v1/quotes/{quote['id']}", headers=staff).json()
    return read if read["psa"] and read["psa"][0]["revision"] == read["revision"] else None


def _attachments(entities: dict[str, Any], opportunity: dict[str, Any]) -> list[Any]:
    return [
        a
        for a in entities["OpportunityAttachments"]
        if a.get("opportunityID", a.get("parentID")) == opportunity["id"]
    ]


def in_autotask(
    base: str, staff: dict[str, str], quote: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    published = _post(base, staff, f"/v1/quotes/{quote['id']}/publish")
    assert published["status"] == "published"
    psa = eventually(lambda: _pushed(base, staff, quote), "the quote in Autotask")["psa"][0]
    entities = _autotask(base)
    opportunity = next(
        o for o in entities["Opportunities"] if str(o["id"]) == psa["opportunity_ref"]
    )
    assert Decimal(str(opportunity["amount"])) == Decimal(quote["totals"]["value"])  # QUO-3
    (at_quote,) = [q for q in entities["Quotes"] if str(q["id"]) == psa["quote_ref"]]
    items = [i for i in entities["QuoteItems"] if i["quoteID"] == at_quote["id"]]
    types = {
        i["name"]: _picklist_label(base, "QuoteItems", "quoteItemType", i["quoteItemType"])
        for i in items
    }
    assert types["On-site installation"] == "Labor"  # AT-4
    assert types["Managed workstation support"] == "Service"  # AT-6
    labor = next(i for i in items if i["name"] == "On-site installation")
    assert _picklist_label(base, "QuoteItems", "periodType", labor["periodType"]) == "One-Time"
    assert len(_attachments(entities, opportunity)) == 1  # the PDF (QUO-3)
    return opportunity, items


def edited_in_place(
    base: str,
    staff: dict[str, str],
    quote: dict[str, Any],
    opportunity: dict[str, Any],
    items: list[dict[str, Any]],
) -> None:
    """One line changes; the update touches that item and replaces the PDF (QUO-6)."""
    line = quote["lines"][0]
    changed = httpx.put(
        f"{base}/v1/quotes/{quote['id']}/lines/{line['id']}", headers=staff,
        json={"name": line["name"], "sku": "DL5450", "quantity": "6", "unit_price": "1249.00",
              "unit_cost": "990.00", "category": "Hardware", "tax_rate": "8.25"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    _post(base, staff, f"/v1/quotes/{quote['id']}/publish")
    eventually(lambda: _pushed(base, staff, quote), "the update in Autotask")
    entities = _autotask(base)
    company = opportunity["companyID"]
    assert len([o for o in entities["Opportunities"] if o["companyID"] == company]) == 1
    quote_id = items[0]["quoteID"]
    after = [i for i in entities["QuoteItems"] if i["quoteID"] == quote_id]
    # The three lines, and the 5% quote discount as its own item (Autotask has no quote-level
    # discount field): nothing doubled.
    assert len(after) == 4
    assert {i["id"] for i in after} == {i["id"] for i in items}
    assert len(_attachments(entities, opportunity)) == 1


def open_in_the_portal(
    base: str, staff: dict[str, str], quote: dict[str, Any], opportunity: dict[str, Any]
) -> None:
    """PAY-14: the contact's portal shows the open opportunity and the quote URL its UDF holds."""
    url = "https://quotes.example/q/bayside"
    patched = httpx.patch(
        f"{base}/sandbox/autotask/atservicesrest/v1.0/Opportunities", headers=AUTOTASK_HEADERS,
        json={"id": opportunity["id"], "userDefinedFields": [{"name": "Quote URL", "value": url}]},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    token = _post(base, staff, f"/v1/contacts/{quote['contact_id']}/portal-tokens")["key"]
    portal = httpx.get(
        f"{base}/portal/v1/opportunities", headers={"Authorization": f"Bearer {token}"}
    )
    assert portal.status_code == 200, portal.text
    assert [(o["external_id"], o["quote_url"]) for o in portal.json()] == [
        (str(opportunity["id"]), url)
    ]


def won_in_autotask(
    base: str, staff: dict[str, str], quote: dict[str, Any], opportunity: dict[str, Any]
) -> None:
    """Won: the opportunity's status follows the mapping (QUO-4)."""
    _post(base, staff, f"/v1/quotes/{quote['id']}/won")

    def won() -> str | None:
        found = next(o for o in _autotask(base)["Opportunities"] if o["id"] == opportunity["id"])
        label = _picklist_label(base, "Opportunities", "status", found["status"])
        return label if label != "Active" else None

    assert eventually(won, "the opportunity won") in {"Closed", "Implemented"}


def the_pdf_reads_right(base: str, staff: dict[str, str], quote: dict[str, Any]) -> None:
    """QUO-7: the served PDF holds the organization, the number, the lines, the periods."""
    pdf = httpx.get(f"{base}/v1/quotes/{quote['id']}/pdf", headers=staff)
    document = pdfium.PdfDocument(io.BytesIO(pdf.content))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    for expected in ("Bayside Dental", quote["number"], "Dell Latitude 5450 laptop", "Monthly"):
        assert expected in text


def in_kaseya(base: str, staff: dict[str, str]) -> None:
    """The tenant moves to Kaseya BMS (one PSA at a time, PAY-10); a quote lands there (KBMS),
    and lost moves its opportunity (QUO-4)."""
    connections = httpx.get(f"{base}/v1/connections", headers=staff).json()
    autotask = next(c for c in connections if c["system"] == "autotask")
    off = httpx.patch(
        f"{base}/v1/connections/{autotask['id']}", headers=staff, json={"enabled": False}
    )
    assert off.status_code == 200, off.text
    kaseya = KASEYA.connection(base)
    _post(base, staff, "/v1/connections", {
        "system": "kaseya_bms", "name": kaseya.name, "base_url": kaseya.base_url,
        "credentials": dict(kaseya.credentials),
        "settings": {"service_quotations": True, "default_warehouse": "Main Warehouse"},
    })  # fmt: skip
    second = _quote(base, staff, "Harbor Legal")
    _post(base, staff, f"/v1/quotes/{second['id']}/publish")

    def landed_in_kaseya() -> dict[str, Any] | None:
        read = httpx.get(f"{base}/v1/quotes/{second['id']}", headers=staff).json()
        return read["psa"][0] if read["psa"] else None

    landed = eventually(landed_in_kaseya, "the quote in Kaseya BMS")
    # KBMS-3: the labor line has a price but no cost, so it is left off with a warning.
    (warning,) = landed["warnings"]
    assert warning.startswith("line 3 'On-site installation'")
    assert "unit price and unit cost" in warning
    state = httpx.get(f"{base}/sandbox/kaseya/_sandbox/state").json()
    (k_opportunity,) = [
        o for o in state["opportunities"] if str(o["Id"]) == landed["opportunity_ref"]
    ]
    assert Decimal(str(k_opportunity["Amount"])) == Decimal(second["totals"]["value"])
    assert len([q for q in state["quotes"] if str(q["Id"]) == landed["quote_ref"]]) == 1
    assert [a for a in state["attachments"] if str(a.get("ObjectId")) == landed["opportunity_ref"]]

    _post(base, staff, f"/v1/quotes/{second['id']}/lost", {"reason": "went elsewhere"})

    def lost() -> str | None:
        read = httpx.get(f"{base}/v1/quotes/{second['id']}", headers=staff).json()
        outcome: str | None = read["psa"][0]["outcome"]
        return outcome

    assert eventually(lost, "the Kaseya opportunity lost") == "lost"
