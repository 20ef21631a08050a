"""What a fresh (or reset) Kaseya BMS sandbox holds: a tenant an MSP could quote from.

Two active accounts with locations and contacts (and an inactive one); opportunity statuses of
each base status (Open, Closed Won, Closed Lost), active and not (KBMS-8); a few opportunities
on them; a default warehouse and another (KBMS-2, KBMS-6); product items, stocked per warehouse
and without prices (KBMS-9); service items with unit price and unit cost, one without a cost
(KBMS-3); the quotation line items' item types (KBMS-1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]
SEEDED = "2026-01-05T09:00:00Z"
API_USER = {"Id": 100, "Name": "Q2C Sandbox API"}
OPEN, WON, LOST = 1, 2, 3
STATUS_ACTIONS = {OPEN: "Open", WON: "Closed Won", LOST: "Closed Lost"}
OPPORTUNITY_TYPES = {1: "New Business", 2: "Existing Business"}
RATINGS = {1: "Hot", 2: "Warm", 3: "Cold"}
LEAD_SOURCES = {1: "Website", 2: "Referral"}
USERS = {101: ("Sam", "Seller"), 102: ("Riley", "Rep")}
QUOTE_STATUSES = {1: "Draft", 2: "Sent", 3: "Accepted", 4: "Declined"}
WAREHOUSES = [{"Id": 1, "Name": "Main Warehouse"}, {"Id": 2, "Name": "East Coast Warehouse"}]
DEFAULT_WAREHOUSE = 1


@dataclass(frozen=True)
class KaseyaInstance:
    """What one Kaseya BMS instance numbers or names otherwise than another, none of it in the
    published spec: the attachment modules, the item-type look-up table and its ids, the API
    user and the other users. The default is the demo's; tests seed others, so the hub reads
    these from the instance or its settings, never from the sandbox."""

    modules: Mapping[str, int] = field(default_factory=lambda: {"opportunity": 3, "quotation": 4})
    item_types_table: str = "QuotationItemTypes"
    product_type: int = 1
    service_type: int = 2
    api_user_id: int = 100
    users: Mapping[int, tuple[str, str]] = field(default_factory=lambda: dict(USERS))

    def item_types(self) -> list[Record]:
        return [
            {"Id": self.product_type, "Name": "Product", "IsDefault": True, "IsActive": True},
            {"Id": self.service_type, "Name": "Service", "IsDefault": False, "IsActive": True},
        ]

    def all_users(self) -> dict[int, tuple[str, str]]:
        return {self.api_user_id: ("Q2C Sandbox", "API"), **self.users}


@dataclass
class Tables:
    """The records by id; ``next_id`` hands out ids from 9001 up for what the API creates."""

    accounts: dict[int, Record] = field(default_factory=dict)
    contacts: dict[int, Record] = field(default_factory=dict)
    statuses: dict[int, Record] = field(default_factory=dict)
    opportunities: dict[int, Record] = field(default_factory=dict)
    quotes: dict[int, Record] = field(default_factory=dict)
    line_items: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    services: dict[int, Record] = field(default_factory=dict)
    attachments: dict[int, Record] = field(default_factory=dict)
    blobs: dict[int, bytes] = field(default_factory=dict)
    last_id: int = 9000

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


def seeded() -> Tables:
    tables = Tables()
    for account in _accounts():
        tables.accounts[account["Id"]] = account
    for contact in _contacts(tables.accounts):
        tables.contacts[contact["Id"]] = contact
    for status in _statuses():
        tables.statuses[status["Id"]] = status
    for item in _products():
        tables.products[item["ProductIndexId"]] = item
    for item in _services():
        tables.services[item["Id"]] = item
    return tables


def opportunity_seeds() -> list[Record]:
    """Inputs (``OpportunityInputDto``) of the opportunities a fresh sandbox holds."""
    base: Record = {"TypeId": 1, "RatingId": 2, "SalesRepresentativeUserId": 101}
    base |= {"CloseDate": "2026-06-30T00:00:00", "Probability": 50.0}
    rows = [
        ("Contoso network refresh", 1001, 2001, 3001, 2, 12_000.0),  # Open, active
        ("Contoso backup renewal", 1001, 2001, 3002, 4, 3_600.0),  # Open, inactive status
        ("Contoso firewall", 1001, 2002, None, 5, 8_000.0),  # Closed Won
        ("Fabrikam onboarding", 1002, 2003, 3003, 1, 4_500.0),  # Open, active
        ("Fabrikam lost deal", 1002, 2003, None, 6, 2_000.0),  # Closed Lost
    ]
    return [
        {**base, "Subject": s, "AccountId": a, "AccountLocationId": loc, "ContactId": c}
        | {"StatusId": status, "Amount": amount}
        for s, a, loc, c, status, amount in rows
    ]


def _accounts() -> list[Record]:
    rows = [
        (1001, "Contoso Ltd", "CONTOSO", True, [(2001, "Head Office", "Seattle", "WA"),
                                                (2002, "Branch Office", "Tacoma", "WA")]),
        (1002, "Fabrikam Inc", "FABRIKAM", True, [(2003, "Main", "Boston", "MA")]),
        (1003, "Old Client LLC", "OLDCLIENT", False, [(2004, "Main", "Austin", "TX")]),
    ]  # fmt: skip
    return [
        {
            "Id": account_id,
            "CreatedOn": SEEDED,
            "AccountName": name,
            "AccountCode": code,
            "AccountTypeId": 1,
            "AccountType": "Customer",
            "BusinessTypeId": 1,
            "BusinessType": "Managed Services",
            "AccountManagerId": 101,
            "AccountManagerUserName": "sam.seller",
            "IsActive": active,
            "IsBilling": True,
            "TenantName": "Q2C Sandbox",
            "Locations": [_location(*loc, main=n == 0) for n, loc in enumerate(locations)],
        }
        for account_id, name, code, active, locations in rows
    ]


def _location(location_id: int, name: str, city: str, state: str, *, main: bool) -> Record:
    address = {"Id": location_id + 1000, "City": city, "State": state, "Country": "US"}
    address |= {"IsMain": True, "IsBilling": main, "CreatedOn": SEEDED}
    return {
        "Id": location_id,
        "CreatedOn": SEEDED,
        "LocationName": name,
        "IsMain": main,
        "IsActive": True,
        "Addresses": [address],
    }


def _contacts(accounts: dict[int, Record]) -> list[Record]:
    rows = [
        (3001, 1001, 2001, "Ada", "Lovelace", "ada@contoso.example", True),
        (3002, 1001, 2002, "Grace", "Hopper", "grace@contoso.example", True),
        (3003, 1002, 2003, "Alan", "Turing", "alan@fabrikam.example", True),
        (3004, 1002, 2003, "Charles", "Babbage", "charles@fabrikam.example", False),
    ]
    return [
        contact(
            accounts[a], location, contact_id, first=first, last=last, email=email, active=active
        )
        for contact_id, a, location, first, last, email, active in rows
    ]


def contact(
    account: Record,
    location_id: int,
    contact_id: int,
    *,
    first: str | None,
    last: str | None,
    email: str | None,
    active: bool = True,
    phone: str | None = None,
) -> Record:
    """A contact as ``ContactsSummaryOutputDto`` reads it."""
    location = next(loc for loc in account["Locations"] if loc["Id"] == location_id)
    emails = [{"Id": contact_id + 100, "EmailAddress": email, "EmailTypeId": 1}] if email else []
    phones = [{"Id": contact_id + 200, "Phone": phone, "PhoneTypeId": 1}] if phone else []
    return {
        "Id": contact_id,
        "CreatedOn": SEEDED,
        "AccountId": account["Id"],
        "AccountName": account["AccountName"],
        "LocationId": location_id,
        "LocationName": location["LocationName"],
        "FirstName": first,
        "LastName": last,
        "IsActive": active,
        "Emails": [{**e, "EmailType": "Work", "IsDefault": True} for e in emails],
        "Phones": [{**p, "PhoneType": "Work", "IsDefault": True} for p in phones],
    }


def _statuses() -> list[Record]:
    rows = [
        (1, "Prospecting", 10.0, True, True, OPEN),
        (2, "Proposal Sent", 50.0, True, True, OPEN),
        (3, "Negotiation", 75.0, True, True, OPEN),
        (4, "On Hold", 25.0, False, False, OPEN),
        (5, "Closed Won", 100.0, True, False, WON),
        (6, "Closed Lost", 0.0, True, False, LOST),
        (7, "Lost (legacy)", 0.0, False, False, LOST),
    ]
    return [
        {
            "Id": status_id,
            "Name": name,
            "Probability": probability,
            "IsActive": active,
            "IsPipeline": pipeline,
            "StatusActionId": action,
            "StatusActionName": STATUS_ACTIONS[action],
        }
        for status_id, name, probability, active, pipeline, action in rows
    ]


def _products() -> list[Record]:
    """Products with their stock per warehouse (``Stock``: the sandbox's, never answered)."""
    rows = [
        (
            5001,
            "UBQ-USW-24-POE",
            "UniFi Switch 24 PoE",
            "24-port managed PoE switch",
            {1: 12, 2: 3},
        ),
        (5002, "LEN-T14-G4", "Lenovo ThinkPad T14 Gen 4", "14-inch business laptop", {1: 5}),
        (5003, "APC-SMT1500", "APC Smart-UPS 1500VA", "Line-interactive UPS", {2: 2}),
    ]
    return [
        {
            "ProductIndexId": index_id,
            "ProductNumber": number,
            "ProductName": name,
            "ProductDescription": description,
            "UPC": None,
            "IsSerialized": False,
            "Stock": stock,
        }
        for index_id, number, name, description, stock in rows
    ]


def _services() -> list[Record]:
    rows = [
        (6001, "Managed Services - Per User", 45.0, 20.0, True),
        (6002, "Onboarding (hourly)", 150.0, 60.0, True),
        (6003, "Strategy Workshop", 900.0, 0.0, True),  # no unit cost: KBMS-3
        (6004, "Legacy Backup Plan", 30.0, 12.0, False),
    ]
    return [
        {
            "Id": service_id,
            "Name": name,
            "Description": f"{name} (sandbox service)",
            "UnitPrice": price,
            "UnitCost": cost,
            "CategoryId": 1,
            "Category": "Managed Services",
            "IsActive": active,
            "IsTaxable": False,
            "CreatedOn": SEEDED,
            "CreatedBy": API_USER["Id"],
            "ModifiedOn": SEEDED,
            "ModifiedBy": API_USER["Id"],
        }
        for service_id, name, price, cost, active in rows
    ]
