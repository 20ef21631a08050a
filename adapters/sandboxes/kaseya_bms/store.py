"""The Kaseya BMS sandbox's records in memory: the CRM side (accounts, contacts, opportunities and
their statuses) here, quotations, items and attachments in ``sandbox_quotes.py``.

Records are kept as Kaseya answers them (output DTO fields, PascalCase), with a few of the
sandbox's own beside them (a quotation's warehouse) that the answers leave out. A request naming
an account, location, contact, status or user that does not exist is refused as Kaseya refuses
it; nothing changes then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from adapters.sandboxes.kaseya_bms.auth import SandboxTokens, iso
from adapters.sandboxes.kaseya_bms.query import (
    Query,
    any_contains,
    contains,
    flag,
    matches,
    number,
    page,
)
from adapters.sandboxes.kaseya_bms.schema import KaseyaRefusal, not_found
from adapters.sandboxes.kaseya_bms.seed import (
    API_USER,
    LEAD_SOURCES,
    OPPORTUNITY_TYPES,
    RATINGS,
    KaseyaInstance,
    Record,
    Tables,
    contact,
    opportunity_seeds,
    seeded,
)

COUNTED = (
    "accounts",
    "contacts",
    "opportunities",
    "quotes",
    "line_items",
    "products",
    "services",
    "attachments",
)


class KaseyaStore:
    """The sandbox's state; every method holds the lock, so each call is all or nothing."""

    def __init__(
        self,
        tokens: SandboxTokens,
        clock: Callable[[], float] = time.time,
        instance: KaseyaInstance | None = None,
    ) -> None:
        self.tokens = tokens
        self.clock = clock
        self.instance = instance or KaseyaInstance()
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.db: Tables = seeded()
            self.refusals: dict[str, int] = {}
            for number, body in enumerate(opportunity_seeds(), start=4001):
                self.create_opportunity(body, opportunity_id=number)
        self.tokens.reset()

    def now(self) -> str:
        return iso(self.clock())

    def snapshot(self) -> dict[str, Any]:
        """What tests and demos read at ``GET /_sandbox/state``: counts, the records the hub
        writes (quotations with their warehouse, attachments with size and SHA-256, not bytes),
        the tokens' counters and the refusals by status."""
        with self.lock:
            db = self.db
            return {
                "counts": {name: len(getattr(db, name)) for name in COUNTED},
                "opportunities": [dict(o) for o in db.opportunities.values()],
                "quotes": [dict(q) for q in db.quotes.values()],
                "line_items": [dict(line) for line in db.line_items.values()],
                "attachments": [dict(a) for a in db.attachments.values()],
                "products": [
                    {k: v for k, v in p.items() if k != "Stock"} for p in db.products.values()
                ],
                "services": [dict(s) for s in db.services.values()],
                "tokens": self.tokens.snapshot(),
                "refusals": dict(self.refusals),
            }

    def refused(self, refusal: KaseyaRefusal) -> None:
        with self.lock:
            key = str(refusal.status)
            self.refusals[key] = self.refusals.get(key, 0) + 1

    # --- accounts and contacts -------------------------------------------------------------

    def accounts(self, query: Query) -> tuple[list[Record], int]:
        with self.lock:
            found = [
                a
                for a in self.db.accounts.values()
                if contains(a["AccountName"], query.get("Filter.AccountName"))
                and contains(a.get("AccountCode"), query.get("Filter.AccountCode"))
                and matches(a["IsActive"], flag(query, "Filter.IsActive"))
                and matches(a.get("AccountTypeId"), number(query, "Filter.AccountTypeId"))
            ]
            return page(found, query)

    def account(self, account_id: int) -> Record:
        with self.lock:
            return self._account(account_id)

    def create_account(self, body: Mapping[str, Any]) -> Record:
        with self.lock:
            self._user(body["AccountManagerId"], "AccountManagerId")
            account_id = self.db.next_id()
            locations = [self._new_location(loc) for loc in body["Locations"]]
            if locations and not any(loc["IsMain"] for loc in locations):
                locations[0]["IsMain"] = True
            fields = {k: v for k, v in body.items() if k != "Locations"}
            user = self.instance.all_users()[body["AccountManagerId"]]
            account = {**fields, "Id": account_id, "CreatedOn": self.now(), "IsBilling": True}
            account |= {"AccountManagerUserName": f"{user[0]}.{user[1]}".lower()}
            account |= {"IsActive": body.get("IsActive") is not False, "Locations": locations}
            account |= {"TenantName": "Q2C Sandbox"}
            self.db.accounts[account_id] = account
            return account

    def contacts(self, query: Query) -> tuple[list[Record], int]:
        with self.lock:
            found = [c for c in self.db.contacts.values() if _contact_matches(c, query)]
            return page(found, query)

    def create_contact(self, body: Mapping[str, Any]) -> Record:
        """``POST /v2/crm/contacts/summary``: answers ``ContactSummaryOutputDto``."""
        with self.lock:
            account = self._account(body.get("AccountId", 0), "AccountId")
            location_id = self.location(account, body.get("LocationId", 0))["Id"]
            emails = [e.get("EmailAddress") for e in body.get("Emails") or []]
            phones = [p.get("PhoneNumber") for p in body.get("Phones") or []]
            first, last = body.get("FirstName"), body.get("LastName")
            email, phone = next(iter(emails), None), next(iter(phones), None)
            record = contact(
                account, location_id, self.db.next_id(), first=first, last=last, email=email
            )
            if phone:
                record["Phones"] = [{"Id": self.db.next_id(), "Phone": phone, "IsDefault": True}]
            self.db.contacts[record["Id"]] = record
            return {**record, "PhoneNumber": phone, "EmailAddress": email}

    # --- opportunities ------------------------------------------------------------------------

    def user_info(self) -> Record:
        """``GET /v2/security/userinfo``: the API user the token was issued to."""
        first, last = self.instance.all_users()[self.instance.api_user_id]
        return {
            "UserId": self.instance.api_user_id,
            "FullName": f"{first} {last}",
            "EmailAddress": "api@q2c-sandbox.local",
            "TimeStamp": self.now(),
            "TimeZoneValue": 0.0,
            "TimeZoneName": "UTC",
            "OlsonTimeZoneName": "Etc/UTC",
            "TenantId": 1,
            "BusinessName": "Q2C Sandbox",
            "NewTicketingUI": True,
            "IsUserSystemAdmin": False,
        }

    def statuses(self) -> list[Record]:
        with self.lock:
            return list(self.db.statuses.values())

    def opportunities(self, query: Query) -> tuple[list[Record], int]:
        with self.lock:
            found = [
                o
                for o in self.db.opportunities.values()
                if matches(o["StatusId"], number(query, "Filter.StatusId"))
                and matches(o["AccountId"], number(query, "Filter.AccountId"))
                and matches(o["TypeId"], number(query, "Filter.TypeId"))
                and matches(o["InPipeline"], flag(query, "Filter.InPipeline"))
                and matches(
                    o["SalesRepresentativeUserId"],
                    number(query, "Filter.SalesRepresentativeUserId"),
                )
            ]
            return page(found, query)

    def opportunity(self, opportunity_id: int) -> Record:
        with self.lock:
            found = self.db.opportunities.get(opportunity_id)
            if found is None:
                raise not_found("Opportunity", opportunity_id)
            return found

    def create_opportunity(
        self, body: Mapping[str, Any], *, opportunity_id: int | None = None
    ) -> Record:
        with self.lock:
            opportunity_id = opportunity_id or self.db.next_id()
            made = {"Id": opportunity_id, "CreatedOn": self.now(), "CreatedBy": API_USER["Id"]}
            record = self._opportunity(body, made)
            self.db.opportunities[opportunity_id] = record
            return record

    def update_opportunity(self, opportunity_id: int, body: Mapping[str, Any]) -> Record:
        """PUT: the whole input replaces the opportunity's fields."""
        with self.lock:
            current = self.opportunity(opportunity_id)
            kept = {k: current[k] for k in ("Id", "CreatedOn", "CreatedBy")}
            kept |= {"ModifiedOn": self.now(), "ModifiedBy": API_USER["Id"]}
            record = self._opportunity(body, kept)
            self.db.opportunities[opportunity_id] = record
            return record

    def _opportunity(self, body: Mapping[str, Any], made: Record) -> Record:
        status = self.db.statuses.get(body["StatusId"])
        if status is None:
            raise KaseyaRefusal(400, f"The opportunity status {body['StatusId']} does not exist")
        account = self._account(body["AccountId"], "AccountId")
        location = self.location(account, body["AccountLocationId"])
        person = self._contact(account, body.get("ContactId"))
        rep = self._user(body["SalesRepresentativeUserId"], "SalesRepresentativeUserId")
        amount, probability = float(body["Amount"]), float(body["Probability"])
        return {
            **made,
            **body,
            "Status": status["Name"],
            "AccountName": account["AccountName"],
            "AccountLocationName": location["LocationName"],
            "ContactFirstName": person.get("FirstName"),
            "ContactLastName": person.get("LastName"),
            "Type": _named(OPPORTUNITY_TYPES, body["TypeId"], "TypeId"),
            "Rating": _named(RATINGS, body["RatingId"], "RatingId"),
            "LeadSource": LEAD_SOURCES.get(body.get("LeadSourceId") or 0),
            "SalesRepresentativeFirstName": rep[0],
            "SalesRepresentativeLastName": rep[1],
            "InPipeline": status["IsPipeline"],
            "ProbabilityAdjustedRevenue": round(amount * probability / 100, 2),
        }

    # --- look-ups shared with the quotations ------------------------------------------------

    def _account(self, account_id: int, field: str = "") -> Record:
        found = self.db.accounts.get(account_id)
        if found is None:
            if field:
                raise KaseyaRefusal(400, f"{field}: the account {account_id} does not exist")
            raise not_found("Account", account_id)
        return found

    def location(self, account: Record, location_id: int) -> Record:
        """The account's location ``location_id``, or Kaseya's refusal."""
        found: Record | None = next(
            (loc for loc in account["Locations"] if loc["Id"] == location_id), None
        )
        if found is None:
            raise KaseyaRefusal(
                400, f"The location {location_id} is not a location of {account['AccountName']}"
            )
        return found

    def _contact(self, account: Record, contact_id: int | None) -> Record:
        if contact_id is None:
            return {}
        found = self.db.contacts.get(contact_id)
        if found is None or found["AccountId"] != account["Id"]:
            raise KaseyaRefusal(
                400, f"The contact {contact_id} is not a contact of {account['AccountName']}"
            )
        return found

    def _user(self, user_id: int, field: str) -> tuple[str, str]:
        users = self.instance.all_users()
        if user_id not in users:
            raise KaseyaRefusal(400, f"{field}: the user {user_id} does not exist")
        return users[user_id]

    def _new_location(self, body: Mapping[str, Any]) -> Record:
        addresses = [
            {**a, "Id": self.db.next_id(), "CreatedOn": self.now()} for a in body["Addresses"]
        ]
        fields = {"LocationName": body["LocationName"], "IsMain": bool(body.get("IsMain"))}
        made = {"Id": self.db.next_id(), "CreatedOn": self.now(), "Addresses": addresses}
        return {**made, **fields, "IsActive": body.get("IsActive") is not False}


def _named(names: Mapping[int, str], key: int, field: str) -> str:
    if key not in names:
        raise KaseyaRefusal(400, f"{field}: {key} is not one of {sorted(names)}")
    return names[key]


def _contact_matches(record: Record, query: Query) -> bool:
    emails = [e.get("EmailAddress") for e in record["Emails"]]
    return (
        matches(record["AccountId"], number(query, "Filter.AccountId"))
        and contains(record["AccountName"], query.get("Filter.AccountName"))
        and contains(record["FirstName"], query.get("Filter.FirstName"))
        and contains(record["LastName"], query.get("Filter.LastName"))
        and any_contains(emails, query.get("Filter.Email"))
        and matches(record["IsActive"], flag(query, "Filter.IsActive"))
    )
