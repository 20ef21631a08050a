"""Where an email's links lead: the client portal's pages, at the hub's public address.

The paths are the portal's (``entrypoints/http/portal_pages/pages.py``); a contact who is not
signed in is asked to sign in there (PAY-13).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class PortalLinks:
    base_url: str  # the hub's public address, without a trailing slash

    def pay(self, invoice_id: UUID) -> str:
        return f"{self.base_url.rstrip('/')}/portal/invoices/{invoice_id}/pay"

    def receipt(self, payment_id: UUID) -> str:
        return f"{self.base_url.rstrip('/')}/portal/payments/{payment_id}"
