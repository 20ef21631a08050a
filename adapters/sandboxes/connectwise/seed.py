"""The look-ups a fresh ConnectWise instance has, seeded on every reset.

Names are the ones seed 001 calls common (company types Customer and Prospect, status
Active, contact types Approver and End User, stage Quote, status Open, department Sales, type
IT:Infrastructure, product types Hardware and Miscellaneous); a few are inactive (a company
status, an opportunity status, a member) so tests can see an inactive reference refused.
``/system/members`` holds the sandbox's API member and two sales people.
"""

from __future__ import annotations

from typing import Any, Protocol


class _Insert(Protocol):
    def insert(self, path: str, values: dict[str, Any]) -> dict[str, Any]: ...


LOOKUPS: dict[str, list[dict[str, Any]]] = {
    "company/companies/types": [
        {"name": "Customer"},
        {"name": "Prospect"},
        {"name": "Vendor", "vendorFlag": True},
    ],
    "company/companies/statuses": [
        {"name": "Active", "defaultFlag": True},
        {"name": "Inactive"},
        {"name": "Not-Approved", "inactiveFlag": True},
    ],
    "company/contacts/types": [
        {"description": "Approver"},
        {"description": "End User", "defaultFlag": True},
        {"description": "Decision Maker"},
    ],
    "company/communicationTypes": [
        {"description": "Phone", "phoneFlag": True},
        {"description": "Email", "emailFlag": True},
        {"description": "Mobile", "phoneFlag": True},
        {"description": "Fax", "faxFlag": True},
    ],
    "company/countries": [
        {"name": "United States", "countryCode": "US"},
        {"name": "Canada", "countryCode": "CA"},
        {"name": "United Kingdom", "countryCode": "GB"},
        {"name": "Australia", "countryCode": "AU"},
    ],
    "company/states": [
        {"name": "Washington", "identifier": "WA"},
        {"name": "New York", "identifier": "NY"},
        {"name": "Illinois", "identifier": "IL"},
        {"name": "Ontario", "identifier": "ON"},
        {"name": "New South Wales", "identifier": "NSW"},
    ],
    "finance/currencies": [
        {"name": "US Dollar", "currencyCode": "USD"},
        {"name": "Euro", "currencyCode": "EUR"},
        {"name": "Icelandic Krona", "currencyCode": "ISK"},
    ],
    "sales/stages": [
        {"name": "Prospect", "sequenceNumber": 1},
        {"name": "Quote", "sequenceNumber": 2},
        {"name": "Closed Won", "sequenceNumber": 3},
        {"name": "Closed Lost", "sequenceNumber": 4},
    ],
    "sales/opportunities/statuses": [
        {"name": "Open"},
        {"name": "Won", "wonFlag": True, "closedFlag": True},
        {"name": "Lost", "lostFlag": True, "closedFlag": True},
        {"name": "No Decision", "inactiveFlag": True},
    ],
    "sales/opportunities/types": [
        {"description": "IT:Infrastructure"},
        {"description": "Managed Services"},
    ],
    "sales/probabilities": [
        {"probability": 10},
        {"probability": 50},
        {"probability": 90},
    ],
    "system/locations": [{"name": "Headquarters"}, {"name": "Branch"}],
    "system/departments": [
        {"name": "Sales", "identifier": "Sales"},
        {"name": "Professional Services", "identifier": "PS"},
    ],
    "system/members": [
        {
            "identifier": "q2capi",
            "firstName": "Q2C",
            "lastName": "API",
            "primaryEmail": "api@msp.example",
        },
        {
            "identifier": "asmith",
            "firstName": "Alex",
            "lastName": "Smith",
            "primaryEmail": "alex@msp.example",
        },
        {
            "identifier": "bjones",
            "firstName": "Bo",
            "lastName": "Jones",
            "primaryEmail": "bo@msp.example",
        },
        {
            "identifier": "gone",
            "firstName": "Old",
            "lastName": "Hand",
            "primaryEmail": "old@msp.example",
            "inactiveFlag": True,
        },
    ],
    "procurement/types": [{"name": "Hardware"}, {"name": "Miscellaneous"}, {"name": "Software"}],
    "procurement/categories": [{"name": "Hardware"}, {"name": "Software"}, {"name": "Services"}],
    "procurement/unitOfMeasures": [{"name": "Each"}, {"name": "Month"}],
}

SUBCATEGORIES = {
    "Hardware": ["Networking", "Servers"],
    "Software": ["Licences"],
    "Services": ["Labour"],
}


def seed_lookups(store: _Insert) -> None:
    categories: dict[str, int] = {}
    for path, rows in LOOKUPS.items():
        flags = FLAGS.get(path, ())
        for row in rows:
            made = store.insert(path, {**dict.fromkeys(flags, False), **row})
            if path == "procurement/categories":
                categories[row["name"]] = made["id"]
    for category, names in SUBCATEGORIES.items():
        for name in names:
            store.insert(
                "procurement/subcategories",
                {"name": name, "category": {"id": categories[category]}, "inactiveFlag": False},
            )


# The flags each look-up answers (false unless a row says otherwise), as its model has them.
FLAGS: dict[str, tuple[str, ...]] = {
    "company/companies/types": ("defaultFlag", "vendorFlag"),
    "company/companies/statuses": ("defaultFlag", "inactiveFlag"),
    "company/contacts/types": ("defaultFlag",),
    "company/communicationTypes": ("defaultFlag", "emailFlag", "phoneFlag", "faxFlag"),
    "sales/opportunities/statuses": ("inactiveFlag", "wonFlag", "lostFlag", "closedFlag"),
    "sales/opportunities/types": ("inactiveFlag",),
    "system/members": ("inactiveFlag",),
    "procurement/types": ("inactiveFlag",),
    "procurement/categories": ("inactiveFlag",),
    "procurement/unitOfMeasures": ("inactiveFlag",),
}
