"""Invoice to cash as a newcomer would see it in ``q2c serve`` with its sandboxes (PAY-1..13).

An invoice made in the Autotask sandbox is pulled with its company and contact (PAY-12), pushed
to the QuickBooks sandbox and comes back payable with its QuickBooks number (PAY-1); the
contact pays it through the portal with a card tokenized at the BNG sandbox (PAY-8); the
payment settles (PAY-7, the worker's watch), is recorded in QuickBooks linked to the invoice,
the invoice is marked paid in Autotask, and the billing contact gets an email (PAY-13). No card
number is stored in the database or written to the logs.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from adapters.notifications.mailbox import LocalMailbox
from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS
from entrypoints.servers import free_port
from tests.e2e.test_cli import KEY
from tests.support.bng import VISA

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time

T = TypeVar("T")
AUTOTASK_HEADERS = {
    "UserName": SANDBOX_CREDENTIALS["username"],
    "Secret": SANDBOX_CREDENTIALS["secret"],
    "ApiIntegrationCode": SANDBOX_CREDENTIALS["integration_code"],
}


def eventually(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``q2c serve`` on a fresh embedded database: (base URL, the demo key, its work folder)."""
    port = free_port()
    env = {
        **os.environ,
        "Q2C_DATABASE_URL": f"sqlite:///{tmp_path / 'q2c.db'}",
        "Q2C_PORT": str(port),
        "Q2C_LOG_FORMAT": "json",
        "Q2C_LOG_LEVEL": "debug",
        "Q2C_MAILBOX_DIR": str(tmp_path / "mailbox"),
        "Q2C_PAYMENT_WATCH_SECONDS": "0.5",
    }
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        key = eventually(
            lambda: (found := KEY.search((tmp_path / "serve.log").read_text())) and found.group(0),
            "the demo tenant's key",
        )
        eventually(lambda: _healthy(base), "the hub to answer")
        yield base, key, tmp_path
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health").status_code == 200
    except httpx.TransportError:
        return False


def _autotask(base: str, path: str, body: dict[str, Any]) -> int:
    url = f"{base}/sandbox/autotask/atservicesrest/v1.0/{path}"
    response = httpx.post(url, json=body, headers=AUTOTASK_HEADERS)
    assert response.status_code == 200, response.text
    item_id: int = response.json()["itemId"]
    return item_id


def seed_psa(base: str) -> tuple[int, int]:
    """In the PSA: a company, its billing contact, and an invoice made by Autotask's billing."""
    company = _autotask(
        base,
        "Companies",
        {"companyName": "Northwind Traders", "phone": "555-0199", "ownerResourceID": 1},
    )
    _autotask(
        base,
        f"Companies/{company}/Contacts",
        {
            "firstName": "Nancy",
            "lastName": "Davolio",
            "emailAddress": "nancy@northwind.example",
            "isActive": 1,
        },
    )
    seeded = httpx.post(
        f"{base}/sandbox/autotask/_sandbox/autotask/invoices",
        json={
            "companyID": company,
            "invoiceNumber": "AT-7001",
            "invoiceDateTime": "2026-11-01T00:00:00",
            "dueDate": "2026-12-01T00:00:00",
            "invoiceTotal": 1250.4,
            "comments": "November managed services",
        },
    )
    assert seeded.status_code == 200, seeded.text
    autotask_invoice = seeded.json()["itemId"]

    return company, autotask_invoice


def test_a_psa_invoice_is_paid_through_the_portal_and_lands_in_quickbooks(
    hub: tuple[str, str, Path],
) -> None:
    base, key, folder = hub
    staff = {"Authorization": f"Bearer {key}"}
    _company, autotask_invoice = seed_psa(base)
    # Sync now (PAY-12); the worker pushes the invoice to QuickBooks, which numbers it (PAY-1).
    assert httpx.post(f"{base}/v1/sync/run", headers=staff, json={}).status_code == 202

    def numbered() -> dict[str, Any] | None:
        items = httpx.get(f"{base}/v1/invoices", headers=staff).json()["items"]
        found = [i for i in items if i["psa_number"] == "AT-7001" and i["payable"]]
        return found[0] if found else None

    invoice = eventually(numbered, "the invoice to be payable")
    quickbooks = httpx.get(f"{base}/sandbox/quickbooks/_sandbox/state").json()
    (held,) = [i for i in quickbooks["invoices"] if i["DocNumber"] == invoice["number"]]
    assert Decimal(str(held["TotalAmt"])) == Decimal("1250.40")

    # The portal: an admin issues Nancy a token; she adds a card (tokenized at the gateway).
    # The demo's first scheduled pull may have read the contacts before she was made: the next
    # sync brings her (on a busy machine that window is wide).
    def nancy_pulled() -> dict[str, Any] | None:
        found = httpx.get(f"{base}/v1/contacts", headers=staff, params={"q": "nancy"}).json()
        if not found["items"]:
            httpx.post(f"{base}/v1/sync/run", headers=staff, json={})
            return None
        only: dict[str, Any] = found["items"][0]
        return only

    nancy = eventually(nancy_pulled, "Nancy's contact")
    issued = httpx.post(f"{base}/v1/contacts/{nancy['id']}/portal-tokens", headers=staff)
    assert issued.status_code == 201, issued.text
    portal = {"Authorization": f"Bearer {issued.json()['key']}"}
    token = httpx.post(
        f"{base}/sandbox/bng/token", json={"ccnumber": VISA, "ccexp": "1230", "cvv": "999"}
    ).json()["token"]
    method = httpx.post(
        f"{base}/portal/v1/payment-methods",
        headers=portal,
        json={
            "payment_token": token,
            "first_name": "Nancy",
            "last_name": "Davolio",
            "kind": "card",
        },
    )
    assert method.status_code == 201, method.text
    assert method.json()["last4"] == VISA[-4:]
    paid = httpx.post(
        f"{base}/portal/v1/invoices/{invoice['id']}/payments",
        headers={**portal, "Idempotency-Key": "nancy-pays-7001"},
        json={"method_id": method.json()["id"]},
    )
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert payment["status"] == "approved"

    # The gateway settles its batch; the worker's watch sees it (PAY-7).
    assert httpx.post(f"{base}/sandbox/bng/_sandbox/settle", json={}).status_code == 200

    def settled() -> dict[str, Any] | None:
        found = httpx.get(f"{base}/portal/v1/payments/{payment['id']}", headers=portal).json()
        return found if found["settlement"] == "settled" else None

    history = eventually(settled, "the payment to settle")["history"]
    assert [h["action"] for h in history][-1] == "settled"

    # QuickBooks holds the payment linked to the invoice; Autotask has the invoice paid.
    def recorded() -> dict[str, Any] | None:
        state = httpx.get(f"{base}/sandbox/quickbooks/_sandbox/state").json()
        return state["payments"][0] if state["payments"] else None

    in_quickbooks = eventually(recorded, "the payment in QuickBooks")
    assert in_quickbooks["Line"][0]["LinkedTxn"][0]["TxnId"] == held["Id"]
    assert Decimal(str(in_quickbooks["TotalAmt"])) == Decimal("1250.40")

    def paid_in_autotask() -> str | None:
        url = f"{base}/sandbox/autotask/atservicesrest/v1.0/Invoices/{autotask_invoice}"
        item: dict[str, Any] = httpx.get(url, headers=AUTOTASK_HEADERS).json()["item"]
        paid_date: str | None = item.get("paidDate")
        return paid_date

    assert eventually(paid_in_autotask, "the invoice paid in Autotask")

    assert_mailed_from_the_msp(folder, invoice)

    assert_no_card_numbers(folder)
    assert re.search(r"payment", (folder / "serve.log").read_text())


def assert_mailed_from_the_msp(folder: Path, invoice: dict[str, Any]) -> None:
    """Nancy, the organization's only contact, is emailed the receipt (PAY-13), and before it
    the invoice's pay link (the demo tenant's branding asks for it), both from the MSP."""

    def mails() -> dict[str, Any] | None:
        found = {m.subject: m for m in LocalMailbox(folder / "mailbox").messages()}
        return found if len(found) >= 2 else None

    by_subject = eventually(mails, "the invoice-ready and payment received emails")
    receipt = by_subject[f"Payment received for invoice {invoice['number']}"]
    ready = by_subject[f"Invoice {invoice['number']} from Demo MSP is ready to pay"]
    assert receipt.to == ready.to == "nancy@northwind.example"
    assert receipt.sender.startswith("Demo MSP <")
    assert f"/portal/invoices/{invoice['id']}/pay" in ready.text


def assert_no_card_numbers(folder: Path) -> None:
    """No card number anywhere: every text cell of the database, and the logs."""
    assert VISA not in (folder / "serve.log").read_text()
    with sqlite3.connect(folder / "q2c.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - our own table names
                assert not any(VISA in str(cell) for cell in row), table
