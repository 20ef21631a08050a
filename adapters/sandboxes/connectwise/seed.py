"""The look-ups a fresh ConnectWise instance has, seeded on every reset.

Names are the ones seed 001 calls common (company types Customer and Prospect, status Active,
contact types Approver and End User, stage Quote, status Open, department Sales, type
IT:Infrastructure, product types Hardware and Miscellaneous); one of each kind is inactive so
tests can see an inactive reference refused. ``/system/members`` holds the sandbox's API
member and two sales people.
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
        {"name": "Former Customer", "inactiveFlag": True},
    ],
    "company/companies/statuses": [
        {"name": "Active", "defaultFlag": True},
        {"name": "Inactive"},
        {"name": "Not-Approved", "inactiveFlag": True},
    ],
    "company/contacts/types": [
        {"name": "Approver"},
        {"name": "End User", "defaultFlag": True},
        {"name": "Decision Maker"},
    ],
    "company/communicationTypes": [
        {"description": "Phone", "phoneFlag": True},
        {"description": "Email", "emailFlag": True},
        {"description": "Mobile", "phoneFlag": True},
        {"description": "Fax", "faxFlag": True},
    ],
    "company/countries": [
        {"name": "United States"},
        {"name": "Canada"},
        {"name": "United Kingdom"},
        {"name": "Australia"},
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
        {"name": "Prospect"},
        {"name": "Quote"},
        {"name": "Closed Won"},
        {"name": "Closed Lost"},
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
        {"name": "10", "probability": 10},
        {"name": "50", "probability": 50},
        {"name": "90", "probability": 90},
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
        for row in rows:
            made = store.insert(path, {"inactiveFlag": False, **row})
            if path == "procurement/categories":
                categories[row["name"]] = made["id"]
    for category, names in SUBCATEGORIES.items():
        for name in names:
            store.insert(
                "procurement/subcategories",
                {"name": name, "categoryId": categories[category], "inactiveFlag": False},
            )
