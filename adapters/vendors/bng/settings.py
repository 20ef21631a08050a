"""A BNG connection's settings: the payment methods each environment takes and where refunds go.

The tenant's payment settings live here (PAY-6, PAY-8, PAY-10; ``/v1/payment-settings`` edits
them). The only source of BNG's defaults: both kinds for staff and the portal, refunds recorded
in the hub for a person to issue at the gateway. Checked on every save (INT-3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.vendors.kit.settings import ProblemsPolicy
from application.quotes.ports import Problem

KINDS = ("card", "echeck")  # what NMI charges: cards and eChecks
DEFAULTS: dict[str, Any] = {
    "staff_methods": list(KINDS),
    "portal_methods": list(KINDS),
    "refund_at_gateway": False,  # PAY-6: a refund is issued at the gateway by a person
}


@dataclass(frozen=True)
class BngSettings:
    """A BNG connection's settings, read over ``DEFAULTS``."""

    staff_methods: tuple[str, ...]
    portal_methods: tuple[str, ...]
    refund_at_gateway: bool


def read_settings(settings: Mapping[str, Any]) -> BngSettings:
    def kinds(name: str) -> tuple[str, ...]:
        value = settings.get(name, DEFAULTS[name])
        return tuple(str(k) for k in value) if isinstance(value, list) else ()

    return BngSettings(
        staff_methods=kinds("staff_methods"),
        portal_methods=kinds("portal_methods"),
        refund_at_gateway=settings.get("refund_at_gateway") is True,
    )


def check_settings(settings: Mapping[str, Any]) -> list[Problem]:
    problems = [
        Problem("PAY-8", name, f"{name} lists kinds of {', '.join(KINDS)}, not {value!r}")
        for name in ("staff_methods", "portal_methods")
        if not _kinds(value := settings.get(name, DEFAULTS[name]))
    ]
    if not isinstance(settings.get("refund_at_gateway", False), bool):
        problems.append(Problem("PAY-6", "refund_at_gateway", "refund_at_gateway is true or false"))
    return problems


def bng_settings_policy() -> ProblemsPolicy[BngSettings]:
    return ProblemsPolicy(DEFAULTS, check_settings, read_settings)


def _kinds(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(k, str) and k in KINDS for k in value)
