"""The sandbox's company profiles: where the company is, its currencies and its sales tax.

QBO's rules differ by company: a US company takes lines without a tax code; a company outside
the US (VAT, GST) refuses a sales line without ``TaxCodeRef``; a company without multicurrency
(``Preferences.CurrencyPrefs.MultiCurrencyEnabled`` false) refuses any currency but its home
currency. The hub reads ``CompanyInfo.Country`` and ``Preferences`` to know which it talks to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

US_TAX_CODES = ("TAX", "NON")  # a US company's only line codes: taxable or not


@dataclass(frozen=True)
class CompanyProfile:
    name: str
    country: str  # CompanyInfo.Country: "US", "GB", "CA", ...
    home_currency: str
    multicurrency: bool
    # Outside the US, the tax codes (Id → Name) a sales line must name one of.
    tax_codes: Mapping[str, str] = field(default_factory=dict)

    @property
    def requires_tax_code(self) -> bool:
        return self.country != "US"


PROFILES: Mapping[str, CompanyProfile] = MappingProxyType(
    {
        # The default: a US company with multicurrency on (its home currency USD).
        "us": CompanyProfile("Q2C Sandbox Company", "US", "USD", multicurrency=True),
        # A US company that never turned multicurrency on: USD only.
        "us-single-currency": CompanyProfile(
            "Q2C Single Currency Inc", "US", "USD", multicurrency=False
        ),
        # A UK company: GBP only, and a VAT code on every sales line (QBO UK's codes).
        "uk": CompanyProfile(
            "Q2C Sandbox Ltd",
            "GB",
            "GBP",
            multicurrency=False,
            tax_codes={"2": "20.0% S", "4": "0.0% Z", "6": "Exempt", "8": "No VAT"},
        ),
    }
)
