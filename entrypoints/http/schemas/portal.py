"""Bodies of the client portal. It reuses the staff shapes (InvoiceOut, PaymentOut, MethodOut,
and MethodTokenIn to store a method).

A portal contact pays for itself, so no body names a contact or an organization: the token
does.
"""

from __future__ import annotations

from uuid import UUID

from entrypoints.http.schemas.common import Input, MoneyBody


class PortalPaymentIn(Input, frozen=True):
    method_id: UUID
    amount: MoneyBody | None = None  # absent: the whole balance (PAY-2)
