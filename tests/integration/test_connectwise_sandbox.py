"""The ConnectWise sandbox speaks the contract (``contracts/connectwise.md``), over real HTTP.

Company info and versioned paths, Basic auth with ``clientId``, error bodies, required fields
and references, the strict conditions subset with ``childConditions``, ``Link`` paging and
``/count``, JSON Patch only, documents as multipart only, 429 with ``Retry-After``, the 500
"timeout" after the write, and the state route's duplicates and catalog changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.sandboxes.connectwise.app import SANDBOX_CREDENTIALS, create_connectwise_sandbox
from adapters.sandboxes.kit.base import Faults
from adapters.vendors.connectwise.contract import TIMEOUT_MESSAGE, api_headers
from tests.support.connectwise import ConnectWiseSandbox, served_connectwise
from tests.support.sandboxes import serve_sandbox


@pytest.fixture
def cw() -> Iterator[ConnectWiseSandbox]:
    yield from served_connectwise()


def _company(cw: ConnectWiseSandbox, identifier: str = "ACME", **changes: Any) -> dict[str, Any]:
    body = {
        "identifier": identifier,
        "name": f"{identifier} Ltd",
        "city": "Seattle",
        "status": {"id": cw.lookup_id("company/companies/statuses", "Active")},
        "types": [{"id": cw.lookup_id("company/companies/types", "Customer")}],
        **changes,
    }
    response = cw.call("POST", "company/companies", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def test_company_info_gives_the_codebase_and_an_unknown_company_is_null_cw_1(
    cw: ConnectWiseSandbox,
) -> None:
    known = httpx.get(f"{cw.url}/login/companyinfo/{SANDBOX_CREDENTIALS['company_id']}")
    assert known.json()["Codebase"] == "v2025_1/"
    unknown = httpx.get(f"{cw.url}/login/companyinfo/nobody")
    assert (unknown.status_code, unknown.text) == (200, "null")
    # The codebase names the versioned root; the on-premise one answers too.
    assert cw.call("GET", "company/companies").status_code == 200
    legacy = f"{cw.url}/v4_6_release/apis/3.0/company/companies"
    assert cw.get(legacy).status_code == 200
    wrong = httpx.get(f"{cw.url}/v2019_1/apis/3.0/company/companies")
    assert wrong.json()["message"] == "The endpoint does not exist."


def test_basic_auth_and_the_client_id_are_required_on_every_call_int_1(
    cw: ConnectWiseSandbox,
) -> None:
    good = api_headers(SANDBOX_CREDENTIALS)
    answer = cw.call("GET", "company/companies")
    assert answer.headers["api-current-version"] == "2025.1"
    wrong_key = api_headers({**SANDBOX_CREDENTIALS, "private_key": "nope"})
    refused = cw.call("GET", "company/companies", headers=wrong_key)
    assert refused.status_code == 401
    assert refused.json()["code"] == "Unauthorized"
    other = api_headers({**SANDBOX_CREDENTIALS, "company_id": "elsewhere"})
    assert "elsewhere" in cw.call("GET", "company/companies", headers=other).json()["message"]
    no_client = {k: v for k, v in good.items() if k != "clientId"}
    assert cw.call("GET", "company/companies", headers=no_client).status_code == 401


def test_required_fields_and_references_are_refused_with_connectwise_bodies(
    cw: ConnectWiseSandbox,
) -> None:
    missing = cw.call("POST", "company/contacts", json={"lastName": "Smith"})
    assert missing.status_code == 400
    assert missing.json() == {
        "code": "InvalidObject",
        "message": "contact object is invalid",
        "errors": [
            {
                "code": "MissingRequiredField",
                "message": "The firstName field is required.",
                "resource": "contact",
                "field": "firstName",
            }
        ],
    }
    no_address = cw.call("POST", "company/companies", json={"identifier": "X", "name": "X"})
    assert no_address.json()["errors"][0]["field"] == "addressLine1"
    unknown = cw.call(
        "POST", "company/contacts", json={"firstName": "Ann", "company": {"id": 999_999}}
    )
    assert unknown.json()["errors"][0]["field"] == "company/id"
    inactive = cw.lookup_id("company/companies/statuses", "Not-Approved")
    refused = cw.call(
        "POST",
        "company/companies",
        json={"identifier": "Y", "name": "Y", "city": "Z", "status": {"id": inactive}},
    )
    assert "inactive" in refused.json()["errors"][0]["message"]
    _company(cw, "ACME")
    twin = cw.call(
        "POST", "company/companies", json={"identifier": "acme", "name": "A", "city": "Z"}
    )
    assert twin.json()["errors"][0]["code"] == "ObjectExists"
    # 2025.1: an opportunity needs company, contact and primarySalesRep.
    opportunity = cw.call("POST", "sales/opportunities", json={"name": "Deal"})
    assert opportunity.json()["errors"][0]["field"] == "company"


def test_the_conditions_are_a_strict_subset_unknown_or_bad_is_400(
    cw: ConnectWiseSandbox,
) -> None:
    _company(cw, "ACME", name='Acme "Quoted"')
    _company(cw, "BETA", name="Beta")
    found = cw.call(
        "GET",
        "company/companies",
        params={
            "conditions": 'name contains "quoted" and (status/name="Active" or city=null) '
            "and lastUpdated>=[2020-01-01T00:00:00Z] and _info/lastUpdated > [2020-01-01T00:00:00Z]"
        },
    )
    assert [c["identifier"] for c in found.json()] == ["ACME"]
    by_list = cw.call(
        "GET", "company/companies", params={"conditions": "identifier in ('acme', 'beta')"}
    )
    assert len(by_list.json()) == 2
    negated = cw.call(
        "GET", "company/companies", params={"conditions": 'identifier not in ("ACME")'}
    )
    assert [c["identifier"] for c in negated.json()] == ["BETA"]
    for bad in (
        "nosuchfield=1",
        'name = "unterminated',
        'name like "%x%" and',
        "status/colour=1",
        "types/id=1",  # an array: childConditions only
        "name ~ 1",
    ):
        answer = cw.call("GET", "company/companies", params={"conditions": bad})
        assert answer.status_code == 400, bad
        assert answer.json()["code"] == "ApiFindCondition", bad


def test_child_conditions_search_arrays(cw: ConnectWiseSandbox) -> None:
    prospect = cw.lookup_id("company/companies/types", "Prospect")
    _company(cw, "ACME")
    _company(cw, "PROS", types=[{"id": prospect}])
    found = cw.call(
        "GET",
        "company/companies",
        params={"childConditions": 'types/name="Prospect" or types/id=0'},
    )
    assert [c["identifier"] for c in found.json()] == ["PROS"]
    email = cw.lookup_id("company/communicationTypes", "Email", "description")
    company = _company(cw, "WITHCONTACT")
    contact = {
        "firstName": "Ann",
        "company": {"id": company["id"]},
        "communicationItems": [{"type": {"id": email}, "value": "ann@acme.example"}],
    }
    assert cw.call("POST", "company/contacts", json=contact).status_code == 201
    by_email = cw.call(
        "GET",
        "company/contacts",
        params={
            "childConditions": 'communicationItems/value = "ann@acme.example" '
            'AND communicationItems/communicationType="Email"'
        },
    )
    assert [c["firstName"] for c in by_email.json()] == ["Ann"]
    wrong = cw.call("GET", "company/contacts", params={"childConditions": "firstName='Ann'"})
    assert wrong.status_code == 400


def test_link_paging_keeps_the_conditions_and_count_agrees(cw: ConnectWiseSandbox) -> None:
    for n in range(5):
        _company(cw, f"C{n}")
    conditions = 'identifier like "C*"'
    first = cw.call("GET", "company/companies", params={"conditions": conditions, "pageSize": 2})
    link = first.headers["Link"]
    assert 'rel="next"' in link
    assert 'rel="last"' in link
    assert 'rel="first"' not in link
    seen = [c["identifier"] for c in first.json()]
    url = link.split(">")[0].lstrip("<")
    while url:
        page = cw.get(url)
        seen += [c["identifier"] for c in page.json()]
        assert 'rel="prev"' in page.headers["Link"]
        nxt = [p for p in page.headers["Link"].split(", ") if 'rel="next"' in p]
        url = nxt[0].split(">")[0].lstrip("<") if nxt else ""
    assert seen == [f"C{n}" for n in range(5)]
    count = cw.call("GET", "company/companies/count", params={"conditions": conditions})
    assert count.json() == {"count": 5}
    capped = cw.call("GET", "company/companies/types", params={"pageSize": 5000})
    assert "pageSize=1000" in capped.headers["Link"]


def test_updates_are_json_patch_only(cw: ConnectWiseSandbox) -> None:
    company = _company(cw, "ACME")
    path = f"company/companies/{company['id']}"
    patched = cw.call(
        "PATCH",
        path,
        json=[
            {"op": "replace", "path": "name", "value": "Acme Two"},
            {"op": "replace", "path": "/phoneNumber", "value": "555-0100"},
        ],
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["phoneNumber"]) == ("Acme Two", "555-0100")
    assert cw.call("PATCH", path, json={"name": "x"}).status_code == 400
    assert cw.call("PUT", path, json={**company, "name": "x"}).status_code == 405
    post_only = cw.call("PATCH", path, json=[{"op": "replace", "path": "types", "value": []}])
    assert "typeAssociations" in post_only.json()["errors"][0]["message"]
    nested = cw.call("PATCH", path, json=[{"op": "replace", "path": "status/id", "value": 1}])
    assert nested.status_code == 400
    assert cw.call("DELETE", path).status_code == 204
    assert cw.call("GET", path).json()["deletedFlag"] is True  # the recycle bin


def test_documents_are_multipart_only_and_listed_by_record(cw: ConnectWiseSandbox) -> None:
    company = _company(cw, "ACME")
    as_json = cw.call(
        "POST", "system/documents", json={"recordType": "Company", "recordId": company["id"]}
    )
    assert as_json.status_code == 415
    fields = {"recordType": "Company", "recordId": str(company["id"]), "title": "Quote.pdf"}
    made = cw.call(
        "POST",
        "system/documents",
        data=fields,
        files={"file": ("Quote.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert made.status_code == 201, made.text
    listed = cw.call(
        "GET", "system/documents", params={"recordType": "Company", "recordId": company["id"]}
    )
    assert [d["title"] for d in listed.json()] == ["Quote.pdf"]


def test_a_429_carries_retry_after_int_6() -> None:
    with serve_sandbox(
        ConnectWiseSandbox, create_connectwise_sandbox, Faults(rate_limit_rate=1.0, retry_after=7)
    ) as cw:
        answer = cw.call("GET", "company/companies")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "7"
        assert answer.json()["error"] == "ConnectWiseAPI"
        info = httpx.get(f"{cw.url}/login/companyinfo/{SANDBOX_CREDENTIALS['company_id']}")
        assert info.status_code == 200  # the company-info host is outside the limits


def test_a_timeout_500_comes_after_the_write_was_made(cw: ConnectWiseSandbox) -> None:
    cw.knobs(timeouts_after_write=1)
    answer = cw.call(
        "POST", "company/companies", json={"identifier": "T", "name": "T", "city": "X"}
    )
    assert answer.status_code == 500
    assert answer.json()["message"] == TIMEOUT_MESSAGE
    found = cw.call("GET", "company/companies", params={"conditions": 'identifier="T"'})
    assert len(found.json()) == 1  # the write stands


def test_the_state_route_finds_duplicates_and_catalog_changes(cw: ConnectWiseSandbox) -> None:
    _company(cw, "ONE", name="Same")
    _company(cw, "TWO", name="Same")
    hardware = cw.lookup_id("procurement/types", "Hardware")
    networking = cw.lookup_id("procurement/subcategories", "Networking")
    item = {
        "identifier": "FW-200",
        "description": "Firewall",
        "customerDescription": "Firewall",
        "type": {"id": hardware},
        "subcategory": {"id": networking},
        "manufacturerPartNumber": "FW-200-EU",
    }
    mismatch = {**item, "category": {"id": cw.lookup_id("procurement/categories", "Software")}}
    refused = cw.call("POST", "procurement/catalog", json=mismatch)
    assert refused.json()["errors"][0]["field"] == "subcategory/id"
    made = cw.call("POST", "procurement/catalog", json=item).json()
    twin = cw.call("POST", "procurement/catalog", json=item)  # identifiers are unique
    assert twin.json()["errors"][0]["code"] == "ObjectExists"
    cw.call(
        "PATCH",
        f"procurement/catalog/{made['id']}",
        json=[{"op": "replace", "path": "price", "value": 1}],
    )
    state = httpx.get(f"{cw.url}/_sandbox/state").json()
    assert state["duplicates"]["company/companies"] == ["same"]
    assert [c["id"] for c in state["catalog_changes"]] == [made["id"]]


def test_a_denied_resource_is_403_naming_it(cw: ConnectWiseSandbox) -> None:
    cw.knobs(denied=["procurement/catalog"])
    answer = cw.call("GET", "procurement/catalog/count")
    assert answer.status_code == 403
    assert "procurement/catalog" in answer.json()["message"]
