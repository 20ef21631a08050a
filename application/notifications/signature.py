"""Every email the hub writes for a tenant comes from the MSP: its name as the sender's
display name, and its address and contact details under the text."""

from __future__ import annotations

from domain.identity.branding import Branding


def signed(body: str, branding: Branding) -> str:
    """``body`` with the MSP's signature: name, address lines, then email, phone and website."""
    contacts = " \u00b7 ".join(branding.contact_lines)
    lines = [branding.name, *branding.address, *([contacts] if contacts else [])]
    return body.rstrip("\n") + "\n\n-- \n" + "\n".join(lines) + "\n"
