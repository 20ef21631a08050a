"""Outbox messages → Autotask Tickets and invoice updates: pure functions, no I/O.

PAY-13: a notification opens a ticket on the queue, issue type and priority the connection's
settings choose. PAY-12/INT-4: a payment taken in the hub marks the linked invoice paid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from adapters.vendors.autotask.translate.companies import int_setting
from application.integrations.messages import InvoicePaid, TicketOpen
from application.integrations.ports import VendorRejected

TITLE_LENGTH = 255  # Autotask's limits on a ticket's title and description
DESCRIPTION_LENGTH = 8000
DEFAULT_PRIORITY_LABEL = "Medium"
DEFAULT_STATUS_LABEL = "New"


@dataclass(frozen=True)
class TicketSettings:
    """The connection settings ``ticket_queue_id`` (required), ``ticket_issue_type``,
    ``ticket_sub_issue_type``, ``ticket_priority`` and ``ticket_status`` (None: the picklist
    entries labelled Medium and New)."""

    queue_id: int
    issue_type: int | None
    sub_issue_type: int | None
    priority: int | None
    status: int | None


@dataclass(frozen=True)
class TicketNotice:
    organization_id: UUID
    title: str
    description: str


def ticket_settings(settings: Mapping[str, Any]) -> TicketSettings:
    queue_id = int_setting(settings, "ticket_queue_id")
    if queue_id is None:
        raise VendorRejected(
            "the Autotask setting ticket_queue_id is required to open tickets (PAY-13)"
        )
    return TicketSettings(
        queue_id=queue_id,
        issue_type=int_setting(settings, "ticket_issue_type"),
        sub_issue_type=int_setting(settings, "ticket_sub_issue_type"),
        priority=int_setting(settings, "ticket_priority"),
        status=int_setting(settings, "ticket_status"),
    )


def ticket_notice(message: TicketOpen) -> TicketNotice:
    title = message.title.strip()
    if not title:
        raise VendorRejected("a ticket needs a title")
    return TicketNotice(message.organization_id, title, message.description.strip())


def ticket_reference(aggregate_id: UUID) -> str:
    """What marks the ticket a message opened, so a retried delivery finds it (INT-4)."""
    return f"q2c:{aggregate_id}"


def ticket_from_notice(
    notice: TicketNotice,
    settings: TicketSettings,
    *,
    company_id: int,
    priority: int,
    status: int,
    reference: str,
) -> dict[str, Any]:
    ticket: dict[str, Any] = {
        "companyID": company_id,
        "title": notice.title[:TITLE_LENGTH],
        "description": notice.description[:DESCRIPTION_LENGTH],
        "queueID": settings.queue_id,
        "priority": priority,
        "status": status,
        "externalID": reference,
    }
    if settings.issue_type is not None:
        ticket["issueType"] = settings.issue_type
    if settings.sub_issue_type is not None:
        ticket["subIssueType"] = settings.sub_issue_type
    return ticket


def invoice_paid(message: InvoicePaid) -> tuple[UUID, dict[str, Any]]:
    """The hub invoice and the Invoice fields an ``invoice.paid`` message sets.

    Autotask has no invoice payment entity; ``paidDate`` is the part of a payment its API lets
    an integration record, and Autotask keeps only its date. No date (the invoice is no longer
    paid: a payment cancelled, PAY-7, or the invoice voided) clears it.
    """
    paid = message.paid_date
    return message.invoice_id, {"paidDate": None if paid is None else paid.isoformat()}


def external_int(external_id: str, what: str) -> int:
    try:
        return int(external_id)
    except ValueError:
        raise VendorRejected(
            f"the linked Autotask {what} id {external_id!r} is not a number"
        ) from None
