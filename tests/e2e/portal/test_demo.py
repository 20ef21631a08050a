"""The demo's one command: after `q2c serve`, `q2c portal invite --demo-client` gives the PSA
sandbox a client with an invoice, syncs, and mails its contact a link that signs in to a page
listing that invoice."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_invoice_to_cash import eventually, hub

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time
__all__ = ["hub"]  # the fixture: `q2c serve` on a fresh embedded database

LINK = re.compile(r"http://127\.0\.0\.1:\d+/portal/sign-in\?token=(\S+)")


def test_portal_invite_with_a_demo_client_signs_its_contact_in(
    hub: tuple[str, str, Path],
) -> None:
    base, _key, folder = hub
    port = base.rsplit(":", 1)[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "Q2C_DATABASE_URL": f"sqlite:///{folder / 'q2c.db'}",
        "Q2C_PORT": port,
        "Q2C_LOG_FORMAT": "json",
        "Q2C_MAILBOX_DIR": str(folder / "mailbox"),
    }
    invited = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "portal", "invite", "--demo-client"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert invited.returncode == 0, invited.stdout + invited.stderr
    link = LINK.search(invited.stdout)
    assert link is not None, invited.stdout
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        page = browser.get(f"/portal/sign-in?token={link.group(1)}")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        signed = browser.post(
            "/portal/sign-in", data={"token": link.group(1), "_csrf_token": csrf.group(1)}
        )
        assert signed.status_code == 303

        def invoice_listed() -> httpx.Response | None:
            page = browser.get("/portal/invoices")
            return page if page.status_code == 200 and "1,250.40 USD" in page.text else None

        listed = eventually(invoice_listed, "the demo client's invoice on the portal")
    assert "Open" in listed.text
