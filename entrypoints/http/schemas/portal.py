"""Bodies of the client portal. Answers reuse the staff shapes (InvoiceOut, PaymentOut, MethodOut).

A portal contact pays for itself, so no body names a contact or an organization: the token
does.
"""

from __future__ import annotations

from uuid import UUID

from application.billing.payments import NewMethod
from application.billing.ports import BillingContact
from domain.crm.organization import OrganizationId
from entrypoints.http.schemas.common import Input, MoneyBody


class PortalPaymentIn(Input, frozen=True):
    method_id: UUID
    amount: MoneyBody | None = None  # absent: the whole balance (PAY-2)


class PortalMethodIn(Input, frozen=True):
    payment_token: str  # the gateway's browser token, never a card number (PAY-8)
    first_name: str
    last_name: str
    company: str = ""
    email: str = ""

    def to_new(self, organization_id: OrganizationId) -> NewMethod:
        return NewMethod(
            organization_id=organization_id,
            payment_token=self.payment_token,
            contact=BillingContact(
                first_name=self.first_name,
                last_name=self.last_name,
                company=self.company,
                email=self.email,
            ),
        )
