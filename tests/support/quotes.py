"""Quote snapshots for tests: a realistic MSP quote whose money adds up (QUO-2).

``sample_snapshot()`` is a published USD quote from an MSP to a dental practice: hardware, labor,
a yearly licence, monthly and quarterly managed services; a percent and an amount item discount,
a non-taxable labor line, tax at 8.25% and 5%, and a 5% quote-level discount. Its figures:

    one-time   subtotal 11,049.20  discount -552.46  tax 684.15  total 11,180.89
    monthly    subtotal  1,475.00                    tax  73.75  total  1,548.75
    quarterly  subtotal    600.00                    tax  30.00  total    630.00
    yearly     subtotal  6,600.00                    tax 544.50  total  7,144.50
    grand total 20,504.14 (the first billing of everything), tax 1,332.40

Totals follow the domain's rules: the quote-level discount comes off the one-time lines only,
shared by largest remainder; each taxable line is taxed once on its net less its share, rounded
half-up. Pass ``lines`` (built with ``quote_line``, or ``many_lines(60)``) or a quote discount to
``sample_snapshot`` and every total is worked out again; pass any other field to replace it.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID, uuid5

from application.quotes.snapshot import (
    QuoteSnapshot,
    SnapshotLine,
    SnapshotParty,
    SnapshotRecurring,
)
from domain.catalog.item import ItemKind, Period

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TENANT_ID = UUID("7d1f0c52-3a57-4b1e-9c1a-2f7a8e0b6c01")
GOODS_TAX = Decimal("8.25")
SERVICES_TAX = Decimal("5.00")

ORGANIZATION = SnapshotParty(
    id=UUID("1b0e7c55-0d55-4c1a-8f7e-3a0c9d2e4b11"),
    name="Bayside Dental & Orthodontics",
    phone="+1 (510) 555-0142",
    address=("1200 Harbor Blvd, Suite 300", "Oakland, CA 94607", "United States"),
)
CONTACT = SnapshotParty(
    id=UUID("2c1f8d66-1e66-4d2b-9a8f-4b1d0e3f5c22"),
    name="Dana Whitfield",
    first_name="Dana",
    last_name="Whitfield",
    email="dana.whitfield@baysidedental.example",
    phone="+1 (510) 555-0187",
)
OWNER = SnapshotParty(
    id=UUID("3d2a9e77-2f77-4e3c-8b9a-5c2e1f4a6d33"),
    name="Sam Rivera",
    email="sam.rivera@northwind-it.example",
    phone="+1 (415) 555-0110",
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def quote_line(
    name: str,
    unit_price: Decimal | str,
    quantity: Decimal | str | int = 1,
    *,
    position: int = 1,
    period: Period | None = None,
    kind: ItemKind = ItemKind.PRODUCT,
    discount_percent: Decimal | str | None = None,
    discount_amount: Decimal | str | None = None,
    tax_rate: Decimal | str = GOODS_TAX,
    taxable: bool = True,
    unit_cost: Decimal | str | None = None,
    **details: Any,
) -> SnapshotLine:
    """A line with its gross, discount and net worked out; tax on its net (no quote discount).

    ``details`` sets any other ``SnapshotLine`` field: ``sku``, ``description``, …
    """
    price, qty = Decimal(unit_price), Decimal(quantity)
    gross = cents(price * qty)
    percent = None if discount_percent is None else Decimal(discount_percent)
    off = cents(gross * percent / 100) if percent is not None else Decimal(discount_amount or ZERO)
    rate = Decimal(tax_rate) if taxable else Decimal(0)
    return SnapshotLine(
        id=uuid5(TENANT_ID, f"{position}:{name}"),
        position=position,
        name=name,
        kind=kind,
        quantity=qty,
        unit_price=price,
        unit_cost=None if unit_cost is None else Decimal(unit_cost),
        period=period,
        taxable=taxable,
        tax_code="TAX" if taxable else "NON",
        tax_rate=rate,
        discount_percent=percent,
        discount_amount=off,
        gross=gross,
        net=gross - off,
        quote_discount_share=ZERO,
        tax=cents((gross - off) * rate / 100),
        labor=kind is ItemKind.LABOR,
        **details,
    )


def sample_lines() -> tuple[SnapshotLine, ...]:
    """The sample quote's eight lines, positions 1 to 8."""
    service, monthly = ItemKind.SERVICE, Period.MONTHLY
    return (
        quote_line(
            "Meraki MX68 security appliance",
            "1099.00",
            2,
            position=1,
            discount_percent="10",
            unit_cost="780.00",
            sku="MX68-HW",
            category="Hardware",
            description="Cloud-managed firewall and SD-WAN appliance for the main office, with "
            "integrated PoE for two access points and a five-year support licence.",
        ),
        quote_line(
            "Dell Latitude 5450 laptop",
            "1249.00",
            5,
            position=2,
            discount_amount="250.00",
            unit_cost="1020.00",
            sku="DL5450-U7-16",
            category="Hardware",
            description='Intel Core Ultra 7, 16 GB RAM, 512 GB SSD, 14" display; imaged with '
            "the standard build and enrolled in Intune before delivery.",
        ),
        quote_line(
            "Ubiquiti U7 Pro access point",
            "189.00",
            4,
            position=3,
            unit_cost="149.00",
            sku="U7-PRO",
            category="Hardware",
        ),
        quote_line(
            "On-site installation and configuration",
            "145.00",
            16,
            position=4,
            kind=ItemKind.LABOR,
            taxable=False,
            unit_cost="70.00",
            sku="LAB-ONSITE",
            unit_of_measure="hour",
            category="Professional services",
            description="Rack and cable the firewall and access points, migrate the site-to-site "
            "VPN, deploy the laptops and hand over the network documentation.",
        ),
        quote_line(
            "Microsoft 365 Business Premium",
            "264.00",
            25,
            position=5,
            period=Period.YEARLY,
            kind=service,
            unit_cost="237.60",
            sku="CFQ7TTC0LCHC",
            unit_of_measure="user",
            category="Software",
            description="Annual commitment licence, billed yearly in advance.",
        ),
        quote_line(
            "Managed workstation support",
            "45.00",
            25,
            position=6,
            period=monthly,
            kind=service,
            tax_rate=SERVICES_TAX,
            unit_cost="18.00",
            sku="MS-WKS",
            unit_of_measure="device",
            category="Managed services",
            description="24/7 monitoring, patching, endpoint protection and unlimited remote "
            "helpdesk for every workstation.",
        ),
        quote_line(
            "Managed firewall and backup",
            "350.00",
            1,
            position=7,
            period=monthly,
            kind=service,
            tax_rate=SERVICES_TAX,
            unit_cost="120.00",
            sku="MS-NET-BKP",
            category="Managed services",
            description="Firewall monitoring and updates; nightly image backup of two servers "
            "with 30-day retention.",
        ),
        quote_line(
            "Vulnerability assessment",
            "600.00",
            1,
            position=8,
            period=Period.QUARTERLY,
            kind=service,
            tax_rate=SERVICES_TAX,
            unit_cost="250.00",
            sku="SEC-VA-Q",
            category="Security",
            description="External and internal scan with a written report and a review call.",
        ),
    )


def many_lines(count: int) -> tuple[SnapshotLine, ...]:
    """``count`` lines for a quote over several pages: the last sixth monthly, the rest one-time."""
    return tuple(
        quote_line(
            f"Workstation accessory kit {n:02d}",
            f"{40 + n}.50",
            n % 4 + 1,
            position=n,
            period=Period.MONTHLY if n > count - count // 6 else None,
            discount_percent="5" if n % 7 == 0 else None,
            sku=f"KIT-{n:03d}",
            description="Dock, keyboard, mouse and a 24-inch monitor, delivered and set up."
            if n % 3 == 0
            else None,
        )
        for n in range(1, count + 1)
    )


def sample_snapshot(**overrides: Any) -> QuoteSnapshot:
    """The sample quote with ``overrides``; totals follow the lines and the quote discount.

    ``quote_discount_percent=None`` drops the quote discount; ``quote_discount=Decimal(...)``
    takes an amount off instead of the 5%.
    """
    lines = tuple(overrides.pop("lines", sample_lines()))
    if "quote_discount" in overrides:
        percent = overrides.pop("quote_discount_percent", None)
        discount = overrides.pop("quote_discount")
    else:
        percent = overrides.pop("quote_discount_percent", Decimal(5))
        discount = cents(_one_time(lines) * percent / 100) if percent else ZERO
    quote = QuoteSnapshot(
        id=UUID("4e3b0f88-3a88-4f4d-9cab-6d3f2a5b7e44"),
        tenant_id=TENANT_ID,
        tenant_name="Northwind IT Services",
        number="Q-2026-0042",
        title="Office network refresh and managed services",
        status="published",
        revision=1,
        currency="USD",
        issued_on=date(2026, 11, 20),
        expires_on=date(2026, 12, 20),
        organization=ORGANIZATION,
        contact=CONTACT,
        owner=OWNER,
        notes="Prices exclude shipping. Hardware lead time is 2\u20133 weeks from acceptance.\n"
        "Managed services start on the first of the month after installation.",
        **_totals(lines, percent, discount),
    )
    unknown = set(overrides) - {f.name for f in fields(QuoteSnapshot)}
    if unknown:
        raise TypeError(f"QuoteSnapshot has no field {sorted(unknown)}")
    return replace(quote, **overrides)


def _one_time(lines: tuple[SnapshotLine, ...]) -> Decimal:
    return sum((line.net for line in lines if line.one_time), Decimal(0))


def _totals(
    lines: tuple[SnapshotLine, ...], percent: Decimal | None, discount: Decimal
) -> dict[str, Any]:
    lines = _shared(lines, discount)
    one_time = [line for line in lines if line.one_time]
    subtotal = _one_time(lines)
    one_time_tax = sum((line.tax for line in one_time), Decimal(0))
    recurring = tuple(_recurring(period, lines) for period in Period if _of(period, lines))
    tax_total = one_time_tax + sum((r.tax for r in recurring), Decimal(0))
    one_time_total = subtotal - discount + one_time_tax
    value = subtotal - discount + sum((r.subtotal for r in recurring), Decimal(0))
    costs = (cents(line.unit_cost * line.quantity) for line in lines if line.unit_cost is not None)
    cost_total = sum(costs, Decimal(0))
    return {
        "lines": lines,
        "quote_discount_percent": percent,
        "quote_discount": discount,
        "one_time_subtotal": subtotal,
        "one_time_tax": one_time_tax,
        "one_time_total": one_time_total,
        "recurring": recurring,
        "line_discounts": sum((line.discount_amount for line in lines), Decimal(0)),
        "tax_total": tax_total,
        "grand_total": one_time_total + sum((r.total for r in recurring), Decimal(0)),
        "cost_total": cost_total,
        "margin": value - cost_total,
        "value": value,
    }


def _shared(lines: tuple[SnapshotLine, ...], discount: Decimal) -> tuple[SnapshotLine, ...]:
    """Each one-time line's share of the quote discount (largest remainder) and its tax."""
    one_time = [i for i, line in enumerate(lines) if line.one_time]
    weights = [int(lines[i].net / CENT) for i in one_time]
    whole, units = sum(weights), int(discount / CENT)
    floors = [units * w // whole if whole else 0 for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(units * weights[i] % (whole or 1)), i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    shares = {i: Decimal(share) * CENT for i, share in zip(one_time, floors, strict=True)}
    return tuple(_with_share(line, shares.get(i, ZERO)) for i, line in enumerate(lines))


def _with_share(line: SnapshotLine, share: Decimal) -> SnapshotLine:
    tax = cents((line.net - share) * line.tax_rate / 100)
    return replace(line, quote_discount_share=share, tax=tax)


def _of(period: Period, lines: tuple[SnapshotLine, ...]) -> list[SnapshotLine]:
    return [line for line in lines if line.period == period]


def _recurring(period: Period, lines: tuple[SnapshotLine, ...]) -> SnapshotRecurring:
    subtotal = sum((line.net for line in _of(period, lines)), Decimal(0))
    tax = sum((line.tax for line in _of(period, lines)), Decimal(0))
    return SnapshotRecurring(period=period, subtotal=subtotal, tax=tax, total=subtotal + tax)
