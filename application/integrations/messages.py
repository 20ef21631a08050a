"""The kinds of outbox message the hub writes: what each asks a system to do (INT-5).

Policies write them in the commit of the change they report; deliverers are registered by
(system, kind). A message names its aggregate and carries ids and, at most, a snapshot; each
deliverer reads what it needs as it is when delivered.
"""

from __future__ import annotations

ORGANIZATION_PUSH = "organization.push"  # an organization to the PSA (CW-2, BSS-1)
QUOTE_PUSH = "quote.push"  # a published quote to the PSA (QUO-3..6)
QUOTE_OUTCOME = "quote.outcome"  # a quote won or lost (QUO-4)
INVOICE_PUSH = "invoice.push"  # an invoice to the accounting system, or voided there (PAY-1, 3)
PAYMENT_PUSH = "payment.push"  # a payment held there as the hub holds it (PAY-4..9)
INVOICE_PAID = "invoice.paid"  # the PSA's date paid, set or cleared (PAY-9)
TICKET_OPEN = "ticket.open"  # a notice as a PSA ticket (PAY-13)

MESSAGE_KINDS = frozenset(
    {
        ORGANIZATION_PUSH,
        QUOTE_PUSH,
        QUOTE_OUTCOME,
        INVOICE_PUSH,
        PAYMENT_PUSH,
        INVOICE_PAID,
        TICKET_OPEN,
    }
)
