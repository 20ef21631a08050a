"""A QuickBooks Online connection's settings: what the hub needs of the company's own records.

Both are optional: unset, the adapter uses the company's own (the "Services" item, the first
active bank account). The only source of QuickBooks' defaults; checked on every save (INT-3).
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
}


@dataclass(frozen=True)
class QuickBooksSettings:
    """A QuickBooks connection's settings, read over ``DEFAULTS``."""

    item_id: str  # the Item every invoice and refund line sells
    refund_account_id: str | None  # None: the company's first active bank account
    token_url: str | None = None  # None: Intuit's, or the sandbox's beside the base URL


def read_settings(settings: Mapping[str, Any]) -> QuickBooksSettings:
    values = with_defaults(DEFAULTS, settings)
    token_url = values.get("token_url")
    return QuickBooksSettings(
        item_id=_text(values["item_id"]) or DEFAULT_ITEM_ID,
        refund_account_id=_text(values["refund_account_id"]),
        token_url=token_url if isinstance(token_url, str) and token_url else None,
    )


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def check_settings(settings: Mapping[str, Any]) -> list[Problem]:
    """An id QuickBooks gave is its digits, as text or a number."""
    return [
        Problem("INT-3", name, f"{name} is a QuickBooks id (digits), not {value!r}")
        for name in DEFAULTS
        if (value := settings.get(name)) not in (None, "") and not _is_id(value)
    ]


def quickbooks_settings_policy() -> ProblemsPolicy[QuickBooksSettings]:
    return ProblemsPolicy(DEFAULTS, check_settings, read_settings)


def _is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
