"""A quote snapshot → Kaseya BMS accounts, contacts, opportunities and quotations: pure, no I/O.

KBMS-7 an expired quote is not pushed; QUO-3 the opportunity's amount is the quote's value;
QUO-4 its status follows the mapping; PAY-14 its description carries the quote URL. Field names
are the published ``AccountPostInputDto``, ``ContactInputDto`` and ``OpportunityInputDto``; the
quotation body is named as ``QuotationOutputDto``, as the published API has no call that
creates one, is ``translate_quotation.py``'s with the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from adapters.vendors.kaseya_bms.calls import OPPORTUNITY_INPUT
from adapters.vendors.kaseya_bms.settings import QuoteSettings
from application.integrations.ports import VendorRejected
from application.quotes.ports import Problem
from application.quotes.snapshot import QuoteSnapshot, SnapshotParty
from domain.shared.errors import InvalidValue
from domain.shared.money import Money
from domain.shared.numbers import exact_decimal

URL_LABEL = "Quote URL: "
NAME_LENGTH = 100  # Kaseya's screens cut names longer than this


def problems(quote: QuoteSnapshot) -> list[Problem]:
    """What refuses the push before any call (KBMS-7, and the account Kaseya needs)."""
    found: list[Problem] = []
    if quote.expired or quote.expires_on < quote.issued_on:
        found.append(
            Problem(
                "KBMS-7",
                "expires_on",
                f"quote {quote.number} expired on {quote.expires_on.isoformat()}: "
                "Kaseya BMS cannot backdate quotes, so expired quotes are not pushed",
            )
        )
    if not quote.organization.name.strip():
        found.append(
            Problem("QUO-3", "organization", "a Kaseya opportunity needs the quote's organization")
        )
    return found


def marker(quote: QuoteSnapshot) -> str:
    """What marks the opportunity a push created, so a retried push finds it (QUO-6, INT-4)."""
    return f"[q2c:{quote.id}]"


def money(amount: Decimal, currency: str) -> float:
    """Exact to the currency's minor unit, half-up: the hub's one rounding rule (MON-1), then
    as the JSON double Kaseya takes (a cent amount's shortest text is exact)."""
    return number(Money.rounded(amount, currency).amount)


def number(value: Decimal) -> float:
    return float(value)


def close_date(quote: QuoteSnapshot, settings: QuoteSettings) -> date:
    days = settings.opportunity_close_days
    return quote.expires_on if days is None else quote.issued_on + timedelta(days=days)


def account_body(quote: QuoteSnapshot, settings: QuoteSettings, manager_id: int) -> dict[str, Any]:
    """A new account for the quote's organization, with the account settings (KBMS-1) and
    ``manager_id`` (the setting's user, else the API user)."""
    org = quote.organization
    address: dict[str, Any] = {"IsMain": True, "IsBilling": True, "Phone": org.phone}
    address |= {f"Address{n}": text for n, text in enumerate(org.address[:2], start=1)}
    location = {
        "LocationName": settings.account_location_name,
        "IsMain": True,
        "IsActive": True,
        "Addresses": [address],
    }
    return {
        "AccountName": org.name.strip(),
        "AccountTypeId": settings.account_type_id,
        "BusinessTypeId": settings.business_type_id,
        "AccountManagerId": manager_id,
        "IsActive": True,
        "Locations": [location],
        "RouteInvoiceToParent": False,
    }


def is_contact(record: Mapping[str, Any], quote: QuoteSnapshot) -> bool:
    """Whether a Kaseya contact is the quote's: the same email, else the same name."""
    person = quote.contact
    if person is None:
        return False
    if person.email:
        emails = [e.get("EmailAddress") for e in record.get("Emails") or [] if isinstance(e, dict)]
        return any(str(e or "").casefold() == person.email.casefold() for e in emails)
    name = " ".join(str(record.get(k) or "") for k in ("FirstName", "LastName"))
    return name.split() == person.name.split()


def status_id(statuses: Iterable[Mapping[str, Any]], wanted: str | int, hub: str) -> int:
    """The opportunity status a mapping names: by id or name, else the first active status of
    the base status so named (``StatusActionName``: Open, Closed Won, Closed Lost)."""
    statuses = list(statuses)
    found = by_name_or_id(statuses, wanted)
    if found is None and isinstance(wanted, str):
        bases = [
            {"Id": s.get("Id"), "Name": s.get("StatusActionName")}
            for s in statuses
            if s.get("IsActive") is True
        ]
        found = by_name_or_id(bases, wanted)
    if found is None:
        raise VendorRejected(
            f"Kaseya BMS has no opportunity status {wanted!r} for {hub} quotes: "
            "fix the status_mapping setting"
        )
    return found


def main_location(account: Mapping[str, Any]) -> int | None:
    """The account's main location (a new opportunity needs one), else its first."""
    locations = [x for x in account.get("Locations") or [] if isinstance(x, dict)]
    locations.sort(key=lambda x: x.get("IsMain") is not True)
    ids = [x["Id"] for x in locations if isinstance(x.get("Id"), int)]
    return ids[0] if ids else None


@dataclass(frozen=True)
class Party:
    """Where the opportunity goes in Kaseya: the account, its location, the contact."""

    account_id: int
    location_id: int
    contact_id: int | None


def contact_body(person: SnapshotParty, settings: QuoteSettings, party: Party) -> dict[str, Any]:
    """A ``ContactInputDto`` for the quote's contact, at the account's main location."""
    first, _, last = person.name.strip().partition(" ")
    body: dict[str, Any] = {
        "FirstName": person.first_name or first,
        "LastName": person.last_name or last or first,
        "AccountId": party.account_id,
        "LocationId": party.location_id,
    }
    if person.email:
        email = {"EmailAddress": person.email, "EmailTypeId": settings.contact_email_type_id}
        body["Emails"] = [{**email, "IsDefault": True}]
    if person.phone:
        phone = {"PhoneNumber": person.phone, "PhoneTypeId": settings.contact_phone_type_id}
        body["Phones"] = [{**phone, "IsDefault": True}]
    return body


def new_opportunity(
    quote: QuoteSnapshot, settings: QuoteSettings, party: Party, status_id: int, owner_id: int
) -> dict[str, Any]:
    """An ``OpportunityInputDto`` with the opportunity settings and the quote's value (QUO-3);
    ``owner_id``: the setting's user, else the API user."""
    return {
        "Subject": quote.title[:NAME_LENGTH],
        "StatusId": status_id,
        "AccountId": party.account_id,
        "AccountLocationId": party.location_id,
        "ContactId": party.contact_id,
        "TypeId": settings.opportunity_type_id,
        "Probability": settings.opportunity_probability,
        "RatingId": settings.opportunity_rating_id,
        "SalesRepresentativeUserId": owner_id,
        "Amount": money(quote.value, quote.currency),
        "Description": description(quote, settings, None),
        "CloseDate": midnight(close_date(quote, settings)),
    }


def opportunity_input(current: Mapping[str, Any], settings: QuoteSettings) -> dict[str, Any]:
    """An opportunity as read, as the full body its PUT needs (every required field)."""
    body = {name: current.get(name) for name in OPPORTUNITY_INPUT}
    if body["RatingId"] is None:
        body["RatingId"] = settings.opportunity_rating_id
    return body


def updated_opportunity(
    quote: QuoteSnapshot, settings: QuoteSettings, current: Mapping[str, Any], **changes: Any
) -> dict[str, Any] | None:
    """The PUT body that brings the opportunity to the quote's value; None when it is there.

    ``changes`` are other fields to set (the status on an outcome, QUO-4).
    """
    body = opportunity_input(current, settings)
    wanted = {
        "Amount": money(quote.value, quote.currency),
        "Description": description(quote, settings, current.get("Description")),
        **changes,
    }
    if all(same(body.get(name), value) for name, value in wanted.items()):
        return None
    return body | wanted


def outcome_update(
    current: Mapping[str, Any], settings: QuoteSettings, status: Mapping[str, Any]
) -> dict[str, Any] | None:
    """QUO-4: the PUT body that sets ``status`` (and its probability); None when it is set."""
    if current.get("StatusId") == status.get("Id"):
        return None
    body = opportunity_input(current, settings) | {"StatusId": status.get("Id")}
    probability = decimal_of(status.get("Probability"))
    if probability is not None:
        body["Probability"] = number(probability)
    return body


def description(quote: QuoteSnapshot, settings: QuoteSettings, current: object) -> str:
    """The opportunity's description with the push's marker and, for PAY-14, the quote URL.

    Kaseya opportunities carry no user-defined fields in the published API, so the quote URL
    lives on a labelled line here; the user's own lines are kept.
    """
    text = current if isinstance(current, str) else ""
    kept = [line for line in text.splitlines() if not _ours(line, quote)]
    kept.append(f"Quote {quote.number} from the quoting hub {marker(quote)}")
    url = quote.extra.get("quote_url")
    if settings.quote_url_in_description and isinstance(url, str) and url:
        kept.append(f"{URL_LABEL}{url}")
    return "\n".join(kept)


def quote_url(text: object) -> str | None:
    """The quote URL a push wrote into an opportunity's description (PAY-14)."""
    lines = text.splitlines() if isinstance(text, str) else []
    urls = [line.removeprefix(URL_LABEL).strip() for line in lines if line.startswith(URL_LABEL)]
    return urls[-1] if urls else None


def _ours(line: str, quote: QuoteSnapshot) -> bool:
    return marker(quote) in line or line.startswith(URL_LABEL)


def midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def same(current: object, wanted: object) -> bool:
    """Kaseya answers numbers as JSON doubles: compare them as exact decimals."""
    if isinstance(wanted, Decimal | int | float) and not isinstance(wanted, bool):
        number = decimal_of(current)
        return number is not None and number == decimal_of(wanted)
    if isinstance(wanted, str) and current is None:
        return wanted == ""
    return current == wanted


def decimal_of(value: object) -> Decimal | None:
    """A vendor number as an exact Decimal; a float through its shortest text."""
    try:
        return exact_decimal(value, "number", from_json=True)
    except InvalidValue:
        return None


def by_name_or_id(records: Iterable[Mapping[str, Any]], wanted: str | int) -> int | None:
    """The id of the look-up record named ``wanted`` (any case), or with that id."""
    for record in records:
        record_id = record.get("Id")
        if isinstance(wanted, int) and record_id == wanted:
            return wanted
        name = record.get("Name")
        if (
            isinstance(wanted, str)
            and isinstance(name, str)
            and isinstance(record_id, int)
            and name.strip().casefold() == wanted.strip().casefold()
        ):
            return record_id
    return None
