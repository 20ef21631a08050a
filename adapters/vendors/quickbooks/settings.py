"""A QuickBooks Online connection's settings: what the hub needs of the company's own records.

All are optional: unset, the adapter uses the company's own (the "Services" item, the first
active bank account); a company outside the US needs ``tax_code_id`` (the connection test says
so, with its codes). The only source of QuickBooks' defaults; checked on every save (INT-3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy, with_defaults
from adapters.vendors.quickbooks.translate.invoices import DEFAULT_ITEM_ID
from application.quotes.ports import Problem

DEFAULTS: dict[str, Any] = {
    "item_id": None,  # the Item every invoice line sells; None: "Services"
    "refund_account_id": None,  # the account refunds are paid from; None: the first bank account
    "tax_code_id": None,  # the TaxCode of every line outside the US (VAT, GST); None: US
}


@dataclass(frozen=True)
class QuickBooksSettings:
    """A QuickBooks connection's settings, read over ``DEFAULTS``."""

    item_id: str  # the Item every invoice and refund line sells
    refund_account_id: str | None  # None: the company's first active bank account
    tax_code_id: str | None = None  # outside the US, the TaxCode every sales line names
    token_url: str | None = None  # None: Intuit's, or the sandbox's beside the base URL
    authorize_url: str | None = None  # None: Intuit's, or the sandbox's beside the base URL
    redirect_uri: str | None = None  # None: the hub's callback where the admin reached the hub


def read_settings(settings: Mapping[str, Any]) -> QuickBooksSettings:
    values = with_defaults(DEFAULTS, settings)
    return QuickBooksSettings(
        item_id=_text(values["item_id"]) or DEFAULT_ITEM_ID,
        refund_account_id=_text(values["refund_account_id"]),
        tax_code_id=_text(values["tax_code_id"]),
        token_url=_url(values.get("token_url")),
        authorize_url=_url(values.get("authorize_url")),
        redirect_uri=_url(values.get("redirect_uri")),
    )


def _url(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def check_settings(settings: Mapping[str, Any]) -> list[Problem]:
    """An id QuickBooks gave is its digits, as text or a number; the URLs are http(s) URLs.
    Tokens are never settings: Intuit issues them when an admin authorizes (INT-1)."""
    found = [
        Problem("INT-3", name, f"{name} is a QuickBooks id (digits), not {value!r}")
        for name in DEFAULTS
        if (value := settings.get(name)) not in (None, "") and not _is_id(value)
    ]
    found += [
        Problem("INT-3", name, f"{name} must be an http(s) URL, not {value!r}")
        for name in ("token_url", "authorize_url", "redirect_uri")
        if (value := settings.get(name)) not in (None, "")
        and not (isinstance(value, str) and value.startswith(("http://", "https://")))
    ]
    found += [
        Problem("INT-1", name, f"{name} is issued by Intuit when an admin authorizes, not set")
        for name in ("refresh_token", "access_token", "realm_id")
        if name in settings
    ]
    return found


def quickbooks_settings_policy() -> ProblemsPolicy[QuickBooksSettings]:
    return ProblemsPolicy(DEFAULTS, check_settings, read_settings)


def _is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
