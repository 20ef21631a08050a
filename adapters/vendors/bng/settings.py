"""A BNG connection's settings: the payment methods each environment takes and where refunds go.

The tenant's payment settings live here (PAY-6, PAY-8, PAY-10; ``/v1/payment-settings`` edits
them). The only source of BNG's defaults: both kinds for staff and the portal, refunds recorded
in the hub for a person to issue at the gateway. Checked on every save (INT-3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy
from application.quotes.ports import Problem

KINDS = ("card", "echeck")  # what NMI charges: cards and eChecks
DEFAULTS: dict[str, Any] = {
    "staff_methods": list(KINDS),
    "portal_methods": list(KINDS),
    "refund_at_gateway": False,  # PAY-6: a refund is issued at the gateway by a person
}


def check_settings(settings: Mapping[str, Any]) -> list[Problem]:
    problems = [
        Problem("PAY-8", name, f"{name} lists kinds of {', '.join(KINDS)}, not {value!r}")
        for name in ("staff_methods", "portal_methods")
        if not _kinds(value := settings.get(name, DEFAULTS[name]))
    ]
    if not isinstance(settings.get("refund_at_gateway", False), bool):
        problems.append(Problem("PAY-6", "refund_at_gateway", "refund_at_gateway is true or false"))
    return problems


def bng_settings_policy() -> ProblemsPolicy:
    return ProblemsPolicy(DEFAULTS, check_settings)


def _kinds(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(k, str) and k in KINDS for k in value)
