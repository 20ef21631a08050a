"""Pulled Autotask records and the tickets and payments the hub writes, without I/O (PAY-12,
PAY-13, INT-4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.sandboxes.autotask.checks import field_info
from adapters.sandboxes.autotask.entities import RULES
from adapters.vendors.autotask.sync import SOURCES, changed_since
from adapters.vendors.autotask.translate.records import (
    Malformed,
    contact_record,
    contract_record,
    decimal_text,
    invoice_record,
    picklist_labels,
    picklist_value,
    ticket_record,
)
from adapters.vendors.autotask.translate.writes import (
    TicketNotice,
    invoice_paid,
    ticket_from_notice,
    ticket_notice,
    ticket_reference,
    ticket_settings,
)
from application.integrations.messages import (
    INVOICE_PAID,
    TICKET_OPEN,
    InvoicePaid,
    TicketOpen,
    decode,
)
from application.integrations.ports import VendorRejected
from tests.support.records import record_dict

TICKET_FIELDS = [field_info(spec) for spec in RULES["Tickets"].fields.values()]
STATUSES = {"0": "Inactive", "1": "Active"}


def test_contact_record_has_exactly_the_hubs_keys_pay_12() -> None:
    item = {
        "id": 29700007,
        "companyID": 29700001,
        "firstName": " Ada ",
        "lastName": "Lovelace",
        "title": "CTO",
        "emailAddress": "ada@contoso.example",
        "phone": "555 0100",
        "mobilePhone": "555 0101",
        "faxNumber": "",
        "isActive": 1,
        "namePrefix": 3,
    }

    assert record_dict(contact_record(item)) == {
        "external_id": "29700007",
        "organization_external_id": "29700001",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "CTO",
        "email": "ada@contoso.example",
        "phone": "555 0100",
        "mobile": "555 0101",
        "fax": None,
        "active": True,
        "default_of_organization": False,
    }


def test_contact_inactive_in_autotask_is_inactive() -> None:
    item = {"id": 1, "companyID": 2, "firstName": "A", "lastName": "B", "isActive": 0}

    assert record_dict(contact_record(item))["active"] is False


def test_contract_and_ticket_records_carry_the_status_label_pay_12() -> None:
    contract = {"id": 5, "companyID": 2, "contractName": "Managed", "status": 1}
    ticket = {"id": 6, "companyID": 2, "title": "Printer jam", "status": 5}
    ticket_statuses = picklist_labels(TICKET_FIELDS, "status")

    assert record_dict(contract_record(contract, STATUSES)) == {
        "external_id": "5",
        "organization_external_id": "2",
        "title": "Managed",
        "status": "Active",
    }
    assert record_dict(ticket_record(ticket, ticket_statuses)) == {
        "external_id": "6",
        "organization_external_id": "2",
        "title": "Printer jam",
        "status": "Complete",
    }


def test_a_status_the_picklist_does_not_know_falls_back_to_its_value() -> None:
    contract = {"id": 5, "companyID": 2, "contractName": "Managed", "status": 42}

    assert record_dict(contract_record(contract, STATUSES))["status"] == "42"


def test_invoice_record_has_exactly_the_hubs_keys_pay_12() -> None:
    item = {
        "id": 29700100,
        "companyID": 29700001,
        "invoiceNumber": "INV-1001",
        "invoiceTotal": 1234.5,
        "invoiceDateTime": "2026-03-01T00:00:00",
        "dueDate": "2026-03-31T00:00:00Z",
        "comments": "March services",
        "isVoided": False,
        "paidDate": "2026-03-15T00:00:00",
    }

    assert record_dict(invoice_record(item)) == {
        "external_id": "29700100",
        "organization_external_id": "29700001",
        "psa_number": "INV-1001",
        "total": "1234.50",
        "invoice_date": "2026-03-01",
        "due_date": "2026-03-31",
        "description": "March services",
        "voided": False,
        "paid_date": "2026-03-15",
    }


def test_invoice_without_number_comments_due_or_paid_date_reads_as_defaults() -> None:
    item = {
        "id": 77,
        "companyID": 3,
        "invoiceTotal": 10,
        "invoiceDateTime": "2026-03-01T00:00:00.000Z",
        "isVoided": True,
    }

    record = record_dict(invoice_record(item))

    assert record["psa_number"] == "77"
    assert record["description"] == ""
    assert (record["due_date"], record["paid_date"]) == (None, None)
    assert record["voided"] is True
    assert record["total"] == "10.00"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1 + 0.2, "0.30"),  # 0.30000000000000004 as a float
        (1.005, "1.00"),  # the float is 1.00499999999999989…; its repr is 1.005: half-even
        (2.675, "2.68"),
        (1234.5, "1234.50"),
        (19.999, "20.00"),
        (100, "100.00"),
        (-0.001, "0.00"),
        ("12.345", "12.34"),
        (1e-7, "0.00"),
    ],
)
def test_amounts_become_two_place_decimals_without_float_artefacts(
    value: object, text: str
) -> None:
    assert decimal_text(value) == text


@pytest.mark.parametrize("value", [None, True, "twelve", float("nan"), float("inf"), [1]])
def test_what_is_not_an_amount_is_malformed(value: object) -> None:
    with pytest.raises(Malformed):
        decimal_text(value)


@pytest.mark.parametrize(
    ("build", "item", "reason"),
    [
        (
            contact_record,
            {"id": 1, "firstName": "A", "lastName": "B"},
            "contact 1 has no companyID",
        ),
        (contact_record, {"id": 1, "companyID": 2, "firstName": "A"}, "contact 1 has no lastName"),
        (invoice_record, {"id": 3, "companyID": None}, "invoice 3 has no companyID"),
        (
            invoice_record,
            {"id": 3, "companyID": 2, "invoiceDateTime": "2026-03-01"},
            "invoice 3 has no invoiceTotal",
        ),
        (
            invoice_record,
            {"id": 3, "companyID": 2, "invoiceTotal": "lots", "invoiceDateTime": "2026-03-01"},
            "invoice 3 has an invoiceTotal that 'lots' is not an amount",
        ),
        (
            invoice_record,
            {"id": 3, "companyID": 2, "invoiceTotal": 1, "invoiceDateTime": "01/03/2026"},
            "invoice 3 has an unreadable invoiceDateTime '01/03/2026'",
        ),
        (
            lambda item: ticket_record(item, {}),
            {"id": 4, "companyID": 2, "title": "T"},
            "ticket 4 has no status",
        ),
        (
            lambda item: contract_record(item, {}),
            {"id": 5, "companyID": "2", "contractName": "C", "status": 1},
            "contract 5 has no companyID",
        ),
    ],
)
def test_a_malformed_record_comes_back_marked_invalid_with_the_reason(
    build: Any, item: dict[str, Any], reason: str
) -> None:
    record = record_dict(build(item))

    assert record == {"external_id": str(item["id"]), "invalid": f"Autotask {reason}"}


def test_picklist_labels_and_values_are_read_from_entity_information() -> None:
    assert picklist_labels(TICKET_FIELDS, "priority") == {
        "1": "High",
        "2": "Medium",
        "3": "Low",
        "4": "Critical",
    }
    assert picklist_value(TICKET_FIELDS, "priority", "medium") == 2
    assert picklist_value(TICKET_FIELDS, "status", "New") == 1
    assert picklist_value(TICKET_FIELDS, "status", "Nonexistent") is None
    assert picklist_labels(TICKET_FIELDS, "title") == {}
    assert picklist_labels(TICKET_FIELDS, "noSuchField") == {}


def test_a_full_pull_asks_for_everything_and_a_later_one_for_each_entitys_stamp() -> None:
    since = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)

    assert changed_since(SOURCES["contact"], None) == [{"op": "exist", "field": "id"}]
    assert changed_since(SOURCES["contact"], since) == [
        {"op": "gte", "field": "lastModifiedDate", "value": "2026-03-02T15:30:00.000Z"}
    ]
    assert changed_since(SOURCES["contract"], since)[0]["field"] == "lastModifiedDateTime"
    assert changed_since(SOURCES["ticket"], since)[0]["field"] == (
        "lastTrackedModificationDateTime"
    )


def test_invoices_changed_since_is_an_or_of_their_dates_paid_date_by_day() -> None:
    since = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)

    [group] = changed_since(SOURCES["invoice"], since)

    assert group["op"] == "or"
    assert {(c["field"], c["value"]) for c in group["items"]} == {
        ("createDateTime", "2026-03-02T15:30:00.000Z"),
        ("voidedDate", "2026-03-02T15:30:00.000Z"),
        ("paidDate", "2026-03-02T00:00:00Z"),  # Autotask keeps only the date paid
        ("webServiceDate", "2026-03-02T15:30:00.000Z"),
    }


# --- what the hub writes: tickets (PAY-13) and paid invoices ------------------------------------


def test_ticket_settings_need_a_queue_and_name_it_when_missing_pay_13() -> None:
    with pytest.raises(VendorRejected, match="ticket_queue_id is required"):
        ticket_settings({"ticket_priority": 1})


def test_ticket_settings_read_numbers_given_as_text() -> None:
    settings = ticket_settings({"ticket_queue_id": "29682833", "ticket_issue_type": 9})

    assert (settings.queue_id, settings.issue_type) == (29682833, 9)
    assert (settings.sub_issue_type, settings.priority, settings.status) == (None, None, None)


@pytest.mark.parametrize("value", ["level one", True, [1]])
def test_a_ticket_setting_that_is_not_a_number_is_refused_by_name(value: object) -> None:
    with pytest.raises(VendorRejected, match="ticket_priority must be a number"):
        ticket_settings({"ticket_queue_id": 5, "ticket_priority": value})


def test_ticket_carries_queue_issue_priority_status_and_the_messages_reference_pay_13() -> None:
    notice = ticket_notice(
        ticket_open({"organization_id": str(uuid.uuid4()), "title": "Payment failed"})
    )
    settings = ticket_settings(
        {"ticket_queue_id": 29683481, "ticket_issue_type": 9, "ticket_sub_issue_type": 91}
    )
    aggregate_id = uuid.uuid4()

    ticket = ticket_from_notice(
        notice,
        settings,
        company_id=29700001,
        priority=2,
        status=1,
        reference=ticket_reference(aggregate_id),
    )

    assert ticket == {
        "companyID": 29700001,
        "title": "Payment failed",
        "description": "",
        "queueID": 29683481,
        "priority": 2,
        "status": 1,
        "externalID": f"q2c:{aggregate_id}",
        "issueType": 9,
        "subIssueType": 91,
    }
    assert set(ticket) <= set(RULES["Tickets"].fields)
    assert len(ticket["externalID"]) <= 50  # Autotask's externalID holds 50 characters


def test_long_titles_and_descriptions_are_cut_to_autotasks_lengths() -> None:
    notice = TicketNotice(uuid.uuid4(), "T" * 400, "D" * 9000)
    settings = ticket_settings({"ticket_queue_id": 5})

    ticket = ticket_from_notice(
        notice, settings, company_id=1, priority=2, status=1, reference="q2c:x"
    )

    assert (len(ticket["title"]), len(ticket["description"])) == (255, 8000)
    assert "issueType" not in ticket


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"organization_id": "nope", "title": "T"}, "no valid organization_id"),
        ({"organization_id": str(uuid.uuid4()), "title": "  "}, "needs a title"),
    ],
)
def test_a_ticket_message_without_organization_or_title_is_refused(
    payload: dict[str, Any], words: str
) -> None:
    with pytest.raises(VendorRejected, match=words):
        ticket_notice(ticket_open(payload))


def test_invoice_paid_sets_the_paid_date_only() -> None:
    invoice_id = uuid.uuid4()

    assert invoice_paid(paid({"invoice_id": str(invoice_id), "paid_date": "2026-03-15"})) == (
        invoice_id,
        {"paidDate": "2026-03-15"},
    )
    with pytest.raises(VendorRejected, match="paid_date as YYYY-MM-DD"):
        invoice_paid(paid({"invoice_id": str(invoice_id), "paid_date": "15/03/2026"}))


def ticket_open(payload: dict[str, Any]) -> TicketOpen:
    message = decode(TICKET_OPEN, payload)
    assert isinstance(message, TicketOpen)
    return message


def paid(payload: dict[str, Any]) -> InvoicePaid:
    message = decode(INVOICE_PAID, payload)
    assert isinstance(message, InvoicePaid)
    return message
