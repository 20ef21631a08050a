"""What the hub itself reads in a connection's settings, typed (INT-3).

Each vendor's own settings are read by its typed class in ``adapters/vendors/<system>/settings.py``
(``SettingsPolicy.read``), which also holds its defaults, written into the settings on connect.
The hub reads only the switches every vendor answers, and the gateway's payment policy, through
the views below. A switch missing from a connection's settings is off, as it always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


@dataclass(frozen=True)
class HubSwitches:
    """What a connection asks the hub's sync to do (INT-5, PAY-9, PAY-12, PAY-13)."""

    push_organizations: bool = False  # organizations to the PSA
    pull_organizations: bool = False  # organizations from it
    pull_invoices: bool = False  # invoices, and the contacts, contracts and tickets with them
    pull_contacts: bool = False  # the pulled organizations' contacts with them
    record_payments: bool = False  # an invoice paid here gets its date paid in the PSA
    ticket_notifications: tuple[str, ...] = ()  # notifications that open a PSA ticket

    @classmethod
    def read(cls, settings: Mapping[str, Any]) -> HubSwitches:
        return cls(
            push_organizations=bool(settings.get("push_organizations", False)),
            pull_organizations=bool(settings.get("pull_organizations", False)),
            pull_invoices=bool(settings.get("pull_invoices", False)),
            pull_contacts=bool(settings.get("pull_contacts", False)),
            record_payments=bool(settings.get("record_payments", False)),
            ticket_notifications=_names(settings.get("ticket_notifications")),
        )

    @property
    def pulls(self) -> bool:
        return self.pull_organizations or self.pull_invoices


@dataclass(frozen=True)
class GatewaySettings:
    """The payment settings kept in the gateway connection (PAY-6, PAY-8, PAY-10)."""

    staff_methods: tuple[str, ...] = ()
    portal_methods: tuple[str, ...] = ()
    refund_at_gateway: bool = False
    # The gateway's public key for its browser tokenizer (Collect.js's data-tokenization-key):
    # not a secret, pages carry it; the private security key stays in the credentials.
    tokenization_key: str = ""

    @classmethod
    def read(cls, settings: Mapping[str, Any]) -> GatewaySettings:
        return cls(
            tokenization_key=str(settings.get("tokenization_key") or ""),
            staff_methods=_names(settings.get("staff_methods")),
            portal_methods=_names(settings.get("portal_methods")),
            refund_at_gateway=bool(settings.get("refund_at_gateway", False)),
        )
