"""A hub quote → Autotask Opportunity, Quote and attachment bodies: pure rules, no I/O.

The items are in ``translate_quote_items.py``. What refuses a quote before any call (AT-1 and
the rest of ``check_quote``) is here, so the publish and the UI share one list of problems.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from adapters.vendors.autotask.contract import UDFS
from adapters.vendors.autotask.settings import QuoteSettings, check_quote_settings, quote_settings
from adapters.vendors.autotask.translate.companies import text_or_none
from adapters.vendors.autotask.translate.quote_items import plan_items
from application.integrations.ports import VendorRejected
from application.quotes.ports import Problem
from application.quotes.snapshot import QuoteSnapshot
from domain.catalog.item import Period

OPPORTUNITY_TITLE_LENGTH = 128
QUOTE_NAME_LENGTH = 100
ATTACHMENT_TYPE = "FILE_ATTACHMENT"
LOCATION_LENGTH = 50
_PERIOD_FIELDS = {
    Period.MONTHLY: "monthly",
    Period.QUARTERLY: "quarterly",
    Period.SEMIANNUAL: "semiannual",
    Period.YEARLY: "yearly",
}
OPPORTUNITY_DATES = frozenset({"projectedCloseDate", "startDate", "closedDate", "lostDate"})
QUOTE_DATES = frozenset({"effectiveDate", "expirationDate"})


def check_quote(quote: QuoteSnapshot, settings: Mapping[str, Any]) -> list[Problem]:
    """What Autotask would refuse, found before any call.

    AT-1: an opportunity needs an organization with a name and a phone number. QUO-3: a quote
    without lines has nothing to push. AT-8: once a tenant maps tax codes, a taxable line whose
    code the mapping lacks is refused rather than pushed with Autotask's default tax category.
    AT-6: a line pulled from Autotask must carry an Autotask id. AT-9: malformed settings.
    """
    problems = check_quote_settings(settings)
    organization = quote.organization
    if not text_or_none(organization.name):
        problems.append(
            Problem(
                "AT-1",
                "organization.name",
                "the organization needs a name for an Autotask opportunity",
            )
        )
    if not text_or_none(organization.phone):
        problems.append(
            Problem(
                "AT-1",
                "organization.phone",
                "the organization needs a phone number for an Autotask opportunity",
            )
        )
    if not quote.lines:
        problems.append(Problem("QUO-3", "lines", "the quote has no lines to push to Autotask"))
    if not problems:
        problems += _line_problems(quote, quote_settings(settings))
    return problems


def _line_problems(quote: QuoteSnapshot, settings: QuoteSettings) -> list[Problem]:
    problems = []
    mapping = settings.tax_categories
    for index, line in enumerate(quote.lines):
        code = text_or_none(line.tax_code)
        if mapping and line.taxable and code and code.casefold() not in mapping:
            problems.append(
                Problem(
                    "AT-8",
                    f"lines[{index}].tax_code",
                    f"the tax code {code!r} has no Autotask tax category in the tax-code mapping",
                )
            )
    try:
        plan_items(quote, settings)
    except VendorRejected as exc:
        problems.append(Problem("AT-6", "lines", exc.message))
    return problems


def api_date(day: date) -> str:
    """A date as Autotask's datetime fields take one (midnight, no zone)."""
    return f"{day.isoformat()}T00:00:00"


def opportunity_money(quote: QuoteSnapshot) -> dict[str, float]:
    """QUO-3: amount = the quote's value, cost = its cost, and revenue and cost per period."""
    money = {
        "amount": float(quote.value),
        "cost": float(quote.cost_total),
        "onetimeRevenue": float(quote.one_time_subtotal - quote.quote_discount),
        "onetimeCost": float(_cost(quote, None)),
    }
    revenue = {r.period: r.subtotal for r in quote.recurring}
    for period, prefix in _PERIOD_FIELDS.items():
        money[f"{prefix}Revenue"] = float(revenue.get(period, Decimal(0)))
        money[f"{prefix}Cost"] = float(_cost(quote, period))
    return money


def _cost(quote: QuoteSnapshot, period: Period | None) -> Decimal:
    return sum(
        (
            (line.unit_cost or Decimal(0)) * line.quantity
            for line in quote.lines
            if line.period is period
        ),
        Decimal(0),
    )


def projected_close(quote: QuoteSnapshot, settings: QuoteSettings) -> date:
    """The quote's expiry, or ``opportunity_close_days`` after it was issued."""
    if settings.close_days is None:
        return quote.expires_on
    return quote.issued_on + timedelta(days=settings.close_days)


def opportunity_body(
    quote: QuoteSnapshot,
    settings: QuoteSettings,
    *,
    company_id: int,
    contact_id: int | None,
    picked: Mapping[str, int],
    hub_id_udf: str,
) -> dict[str, Any]:
    """A new Opportunity; ``picked`` holds the picklist values (status, stage, …) resolved.

    The hub's quote id goes into the hub-id user-defined field: the marker a retried publish
    finds it by when Autotask created it but its answer was lost (QUO-6).
    """
    return {
        "title": (text_or_none(quote.title) or quote.number)[:OPPORTUNITY_TITLE_LENGTH],
        "companyID": company_id,
        "contactID": contact_id,
        "ownerResourceID": settings.owner_resource_id,
        "probability": settings.probability,
        "projectedCloseDate": api_date(projected_close(quote, settings)),
        "startDate": api_date(quote.issued_on),
        "useQuoteTotals": False,
        **picked,
        **opportunity_money(quote),
        UDFS: [{"name": hub_id_udf, "value": str(quote.id)}],
    }


def quote_body(
    quote: QuoteSnapshot,
    *,
    opportunity_id: int,
    company_id: int,
    contact_id: int | None,
    location_id: int,
) -> dict[str, Any]:
    """A new Autotask Quote, found again by ``externalQuoteNumber`` = the hub's number."""
    return {
        "opportunityID": opportunity_id,
        "companyID": company_id,
        "effectiveDate": api_date(quote.issued_on),
        "externalQuoteNumber": quote.number,
        "billToLocationID": location_id,
        "shipToLocationID": location_id,
        "soldToLocationID": location_id,
        **quote_fields(quote, contact_id),
    }


def quote_fields(quote: QuoteSnapshot, contact_id: int | None) -> dict[str, Any]:
    """What a republish keeps up to date on the Autotask Quote."""
    return {
        "name": (text_or_none(quote.title) or quote.number)[:QUOTE_NAME_LENGTH],
        "contactID": contact_id,
        "expirationDate": api_date(quote.expires_on),
        "description": quote.notes,
    }


def quote_location(quote: QuoteSnapshot) -> dict[str, Any]:
    """The QuoteLocation a new Quote's bill-to, ship-to and sold-to ids name: the organization's
    printed address (its first line, then the rest), cut to Autotask's lengths."""
    lines = [line for line in quote.organization.address if line.strip()]
    return {
        "address1": lines[0][:LOCATION_LENGTH] if lines else None,
        "address2": ", ".join(lines[1:])[:LOCATION_LENGTH] or None,
    }


def attachment_title(quote: QuoteSnapshot) -> str:
    return f"Quote {quote.number}.pdf"


def pdf_key(quote: QuoteSnapshot, pdf: bytes) -> uuid.UUID:
    """The hub id the attachment of exactly this PDF of this quote is linked under."""
    return uuid.uuid5(quote.id, f"pdf:{hashlib.sha256(pdf).hexdigest()}")


def attachment_body(
    quote: QuoteSnapshot, pdf: bytes, *, opportunity_id: int, publish: int
) -> dict[str, Any]:
    """The quote PDF as an OpportunityAttachment (QUO-3)."""
    title = attachment_title(quote)
    return {
        "opportunityID": opportunity_id,
        "attachmentType": ATTACHMENT_TYPE,
        "title": title,
        "fullPath": title,  # Autotask derives the content type from the file name
        "publish": publish,
        "data": base64.b64encode(pdf).decode("ascii"),
    }


def differences(
    current: Mapping[str, Any], wanted: Mapping[str, Any], dates: Collection[str] = ()
) -> dict[str, Any]:
    """The fields of ``wanted`` whose value Autotask does not hold yet.

    Numbers are equal to 4 places (Autotask answers doubles), empty text equals null, and the
    date fields named in ``dates`` compare by calendar day.
    """
    return {
        name: value
        for name, value in wanted.items()
        if not _same(current.get(name), value, day=name in dates)
    }


def _same(old: object, new: object, *, day: bool) -> bool:
    if old in (None, "") or new in (None, ""):
        return old in (None, "") and new in (None, "")
    if day:
        return str(old)[:10] == str(new)[:10]
    if _number(old) and _number(new):
        return round(float(str(old)) - float(str(new)), 4) == 0
    return old == new


def _number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
