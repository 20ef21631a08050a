"""Payment methods: what the hub keeps of a card or an account, never its number (PAY-8)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NewType
from uuid import UUID

from domain.crm.organization import OrganizationId
from domain.identity.tenant import TenantId
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.events import Aggregate

PaymentMethodId = NewType("PaymentMethodId", UUID)


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


class PaymentMethod(Aggregate):
    """A method an organization's contacts pay with: the gateway's vault entry, never a number."""

    def __init__(
        self,
        *,
        id: PaymentMethodId,
        tenant_id: TenantId,
        organization_id: OrganizationId,
        details: MethodDetails,
        now: datetime,
    ) -> None:
        self.id = id
        self.tenant_id = tenant_id
        self.organization_id = organization_id
        self.vault_id = details.vault_id
        self.kind = details.kind
        self.brand = details.brand
        self.last4 = details.last4
        self.active = True
        self.created_at = now
        # The gateway's transaction id of the first approved charge, which stored the card as
        # a credential on file; later charges name it (the card networks' rules). Never a number.
        self.initial_transaction_id: str | None = None

    @property
    def details(self) -> MethodDetails:
        return MethodDetails(self.vault_id, self.kind, self.brand, self.last4)

    def remove(self) -> None:
        self.active = False

    def credential_stored(self, transaction_id: str) -> bool:
        """The first approved charge of a card stored it: kept once, never replaced."""
        if self.kind is not MethodKind.CARD or self.initial_transaction_id is not None:
            return False
        if not transaction_id.strip():
            raise InvalidValue("a stored credential needs the gateway's transaction id")
        self.initial_transaction_id = transaction_id
        return True


@dataclass(frozen=True)
class PaymentPolicy:
    """Which kinds staff and the portal accept (PAY-8), and where refunds go (PAY-6)."""

    staff: frozenset[MethodKind]
    portal: frozenset[MethodKind]
    refund_at_gateway: bool = False

    def check(
        self, environment: Environment, kind: MethodKind, *, field: str = "method_id"
    ) -> None:
        enabled = self.staff if environment is Environment.STAFF else self.portal
        if not enabled:
            raise DomainError(
                f"no payment method is enabled for the {environment}",
                code="payments_disabled",
                rule="PAY-8",
            )
        if kind not in enabled:
            raise DomainError(
                f"{kind} payments are not enabled for the {environment}",
                code="method_disabled",
                rule="PAY-8",
                field=field,
            )
