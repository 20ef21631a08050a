"""A QuickBooks Online connection's settings: what the hub needs of the company's own records.

Both are optional: unset, the adapter uses the company's own (the "Services" item, the first
active bank account). The only source of QuickBooks' defaults; checked on every save (INT-3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy
from application.quotes.ports import Problem

DEFAULTS: dict[str, Any] = {
    "item_id": None,  # the Item every invoice line sells; None: "Services"
    "refund_account_id": None,  # the account refunds are paid from; None: the first bank account
}


def check_settings(settings: Mapping[str, Any]) -> list[Problem]:
    """An id QuickBooks gave is its digits, as text or a number."""
    return [
        Problem("INT-3", name, f"{name} is a QuickBooks id (digits), not {value!r}")
        for name in DEFAULTS
        if (value := settings.get(name)) not in (None, "") and not _is_id(value)
    ]


def quickbooks_settings_policy() -> ProblemsPolicy:
    return ProblemsPolicy(DEFAULTS, check_settings)


def _is_id(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
