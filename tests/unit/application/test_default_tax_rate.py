"""A new quote line that names no tax rate gets the tenant's default (its branding); a line
that names one, 0 included, keeps it. Before, such a line silently got 0% (QUO-2)."""

from __future__ import annotations

from decimal import Decimal

from adapters.persistence.memory import InMemoryDatabase
from domain.identity.branding import Branding
from tests.unit.application.test_quote_use_cases import TENANT_A, ad_hoc, header, open_desk


async def test_lines_without_a_rate_take_the_tenants_default_and_explicit_rates_stay() -> None:
    db = InMemoryDatabase()
    desk = await open_desk(db)
    unbranded = await desk.create(desk.tenant, header(desk), [ad_hoc("Switch")])
    assert unbranded.lines[0].details.tax_rate == 0  # no branding: no default but 0
    db.branding[TENANT_A] = Branding(name="Northwind IT", default_tax_rate=Decimal("8.25"))
    quote = await desk.create(
        desk.tenant,
        header(desk),
        [
            ad_hoc("Switch"),
            ad_hoc("Support", tax_rate=Decimal(0)),
            ad_hoc("Cable", tax_rate=Decimal(5)),
        ],
    )
    assert [line.details.tax_rate for line in quote.lines] == [Decimal("8.25"), 0, 5]
    added = await desk.add_line(desk.tenant, quote.id, ad_hoc("Firewall"))
    assert added.lines[-1].details.tax_rate == Decimal("8.25")
    changed = await desk.change_line(
        desk.tenant, quote.id, added.lines[0].id, ad_hoc("Switch", tax_rate=Decimal(0))
    )
    assert changed.lines[0].details.tax_rate == 0
