"""What the hub must know of a QuickBooks company before it writes: where it is, whether it
keeps other currencies, and so what a create must carry (pure functions, no I/O).

Read from ``CompanyInfo.Country`` and ``Preferences.CurrencyPrefs``: a company without
multicurrency takes no ``CurrencyRef`` (its home currency is implied, another refused); a company
outside the US (VAT, GST) needs ``TaxCodeRef`` on every sales line (QBO's "Make sure all your
transactions have a VAT rate").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from application.integrations.ports import VendorRejected, VendorUnavailable


@dataclass(frozen=True)
class Company:
    country: str  # CompanyInfo.Country; QBO leaves it out of some US companies
    home_currency: str
    multicurrency: bool

    @property
    def requires_tax_code(self) -> bool:
        return self.country not in ("", "US")


def company_of(info: Mapping[str, Any], preferences: Mapping[str, Any]) -> Company:
    currency = preferences.get("CurrencyPrefs")
    currency = currency if isinstance(currency, Mapping) else {}
    home = currency.get("HomeCurrency")
    home_code = home.get("value") if isinstance(home, Mapping) else None
    if not isinstance(home_code, str) or not home_code:
        raise VendorUnavailable("QuickBooks answered Preferences without a home currency")
    country = info.get("Country")
    return Company(
        country=country.strip().upper() if isinstance(country, str) else "",
        home_currency=home_code,
        multicurrency=currency.get("MultiCurrencyEnabled") is True,
    )


def for_company(body: Mapping[str, Any], company: Company, tax_code: str | None) -> dict[str, Any]:
    """A create's body as this company takes it: ``CurrencyRef`` only with multicurrency (and
    only the home currency without), ``TaxCodeRef`` on each sales line outside the US."""
    shaped = dict(body)
    ref = shaped.get("CurrencyRef")
    currency = ref.get("value") if isinstance(ref, Mapping) else None
    if not company.multicurrency:
        if currency is not None and currency != company.home_currency:
            raise VendorRejected(
                f"the QuickBooks company keeps {company.home_currency} only (multicurrency is "
                f"off): it cannot hold an amount in {currency}"
            )
        shaped.pop("CurrencyRef", None)
    if company.requires_tax_code and has_sales_lines(shaped):
        if tax_code is None:
            raise VendorRejected(missing_tax_code(company, {}))
        shaped["Line"] = [_with_tax_code(line, tax_code) for line in shaped["Line"]]
    return shaped


def has_sales_lines(body: Mapping[str, Any]) -> bool:
    """Lines that sell an item (an invoice's, a refund receipt's), not a payment's links."""
    lines = body.get("Line")
    return isinstance(lines, list) and any(
        isinstance(line, Mapping) and line.get("DetailType") == "SalesItemLineDetail"
        for line in lines
    )


def _with_tax_code(line: Any, tax_code: str) -> Any:
    if not isinstance(line, Mapping) or line.get("DetailType") != "SalesItemLineDetail":
        return line
    detail = {**line["SalesItemLineDetail"], "TaxCodeRef": {"value": tax_code}}
    return {**line, "SalesItemLineDetail": detail}


def missing_tax_code(company: Company, codes: Mapping[str, str]) -> str:
    """What to tell an admin whose company needs a tax code the settings do not name."""
    listed = ", ".join(f"{code_id} ({name})" for code_id, name in codes.items())
    return (
        f"the QuickBooks company is in {company.country} and needs a tax code on every line: "
        "set tax_code_id in the connection's settings"
        + (f" (its active codes: {listed})" if listed else "")
    )


def tax_codes_query() -> str:
    return "SELECT * FROM TaxCode WHERE Active = true"
