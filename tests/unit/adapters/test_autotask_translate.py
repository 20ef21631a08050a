"""Organization ↔ Autotask Company, without I/O (AT-1, INT-4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.vendors.autotask.contract import HUB_ID_UDF
from adapters.vendors.autotask.translate.companies import (
    changed_fields,
    company_from_organization,
    company_settings,
    organization_from_company,
)
from application.integrations.ports import VendorRejected
from tests.support.autotask import contracts_dir, organization_payload, organization_push
from tests.support.records import record_dict


def test_company_carries_every_field_autotask_keeps_for_an_organization() -> None:
    payload = organization_payload(fax="+1 206 555 0101")

    owner = {"default_owner_resource_id": 29682702}
    company = company_from_organization(organization_push(payload), company_settings(owner))

    assert company == {
        "companyName": "Contoso Ltd",
        "phone": "+1 206 555 0100",
        "fax": "+1 206 555 0101",
        "webAddress": "https://contoso.example",
        "companyNumber": "C-1001",
        "address1": "1 Main Street",
        "address2": None,
        "city": "Seattle",
        "state": "WA",
        "postalCode": "98101",
        "isActive": True,
        "ownerResourceID": 29682702,
        "companyType": 1,
        "userDefinedFields": [{"name": HUB_ID_UDF, "value": payload["id"]}],
    }


def test_no_owner_is_assumed_a_create_finds_one_among_the_instances_resources_at_9() -> None:
    company = company_from_organization(
        organization_push(organization_payload()), company_settings({})
    )

    assert "ownerResourceID" not in company  # not 29682885: resources.py finds one


@pytest.mark.parametrize("phone", [None, "", "   "])
def test_organization_without_phone_is_refused_before_any_call_at_1(phone: str | None) -> None:
    with pytest.raises(VendorRejected, match=r"phone number .*\(AT-1\)"):
        company_from_organization(
            organization_push(organization_payload(phone=phone)), company_settings({})
        )


def test_inactive_organization_becomes_an_inactive_company() -> None:
    company = company_from_organization(
        organization_push(organization_payload(status="inactive")), company_settings({})
    )

    assert company["isActive"] is False


def test_connection_settings_choose_owner_type_and_hub_id_field() -> None:
    settings = {"default_owner_resource_id": "42", "company_type": 3, "hub_id_udf": "Hub Ref"}
    payload = organization_payload()

    company = company_from_organization(organization_push(payload), company_settings(settings))

    assert company["ownerResourceID"] == 42
    assert company["companyType"] == 3
    assert company["userDefinedFields"] == [{"name": "Hub Ref", "value": payload["id"]}]


def test_a_setting_that_is_not_a_number_is_a_rejection_not_a_crash() -> None:
    with pytest.raises(VendorRejected, match="company_type"):
        company_from_organization(
            organization_push(organization_payload()),
            company_settings({"company_type": "customer"}),
        )


def test_translated_company_uses_only_fields_of_the_autotask_contract() -> None:
    entities = json.loads((contracts_dir() / "autotask_entities.json").read_text())["entities"]
    fields: dict[str, Any] = entities["Companies"]

    company = company_from_organization(
        organization_push(organization_payload()),
        company_settings({"default_owner_resource_id": 29682702}),
    )

    assert set(company) <= set(fields)
    required = {name for name, spec in fields.items() if not spec["nullable"]}
    assert required <= {name for name, value in company.items() if value is not None}


def test_changed_fields_sends_only_what_differs_and_treats_empty_text_as_null() -> None:
    payload = organization_payload(fax=None)
    # The vendor's record has fields the hub never sends, and may say "" where the hub says null.
    old = company_from_organization(organization_push(payload), company_settings({})) | {
        "id": 7,
        "fax": "",
        "taxID": "X",
    }
    new = company_from_organization(
        organization_push(dict(payload, phone="+1 206 555 0199")), company_settings({})
    )

    assert changed_fields(old, new) == {"phone": "+1 206 555 0199"}


def test_changed_fields_resends_the_hub_id_only_when_it_differs() -> None:
    payload = organization_payload()
    wanted = company_from_organization(organization_push(payload), company_settings({}))
    without_udf = dict(wanted, userDefinedFields=[{"name": HUB_ID_UDF, "value": None}])

    assert changed_fields(wanted, wanted) == {}
    assert changed_fields(without_udf, wanted) == {"userDefinedFields": wanted["userDefinedFields"]}


def test_pulled_company_reads_back_as_the_organization_it_came_from() -> None:
    payload = organization_payload(status="inactive")
    item = company_from_organization(organization_push(payload), company_settings({})) | {
        "id": 29700001,
        "lastTrackedModifiedDateTime": "2026-11-22T12:00:00.000Z",
    }

    record = record_dict(organization_from_company(item))

    assert record == {
        "name": payload["name"],
        "phone": payload["phone"],
        "fax": None,
        "website": payload["website"],
        "account_number": payload["account_number"],
        "billing_address": {**payload["billing_address"], "country": None},
        "active": False,
        "external_id": "29700001",
        "hub_id": payload["id"],
        "modified_at": "2026-11-22T12:00:00.000Z",
        # BSS-1's type, parent, bill-to and currency: Autotask's translator gives none yet.
        "organization_type": None,
        "parent_external_id": None,
        "bill_to_external_id": None,
        "currency": None,
        "default_contact_external_id": None,
        "references_complete": False,  # a reference not given is unknown, not cleared
    }
