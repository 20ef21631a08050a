"""Payment methods: what the hub keeps of a card or an account, never its number (PAY-8)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import InvalidValue


class MethodKind(StrEnum):
    CARD = "card"
    ECHECK = "echeck"


class Environment(StrEnum):
    """Where a payment is started: by staff in the hub, or by a contact in the client portal."""

    STAFF = "staff"
    PORTAL = "portal"


_LAST4 = re.compile(r"\d{4}")


@dataclass(frozen=True)
class MethodDetails:
    """The gateway's vault id and what a person needs to recognise the method (PAY-8).

    Only the last four digits are kept, so a full number handed here by mistake is refused
    rather than stored.
    """

    vault_id: str
    kind: MethodKind
    brand: str
    last4: str

    def __post_init__(self) -> None:
        if not self.vault_id.strip():
            raise InvalidValue("a payment method needs the gateway's vault id", field="vault_id")
        if not _LAST4.fullmatch(self.last4):
            raise InvalidValue(
                "only the last four digits of a card or account are kept",
                rule="PAY-8",
                field="last4",
            )
