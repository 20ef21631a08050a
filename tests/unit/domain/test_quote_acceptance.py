"""A quote's acceptance keeps its time in UTC and its day is the UTC one (PAY-14, QUO-1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.crm.organization import ContactId
from domain.identity.tenant import TenantId
from domain.quotes.acceptance import QuoteAcceptance, QuoteAcceptanceId
from domain.quotes.quote import QuoteId
from domain.shared.ids import new_id
from domain.shared.time import utc_day


def accepted(at: datetime) -> QuoteAcceptance:
    return QuoteAcceptance(
        id=QuoteAcceptanceId(new_id()),
        tenant_id=TenantId(new_id()),
        quote_id=QuoteId(new_id()),
        contact_id=ContactId(new_id()),
        signed_name="Pat Payer",
        agreed_to_terms=True,
        ip_address="203.0.113.9",
        pdf_sha256="a" * 64,
        accepted_at=at,
    )


def test_the_day_of_a_moment_is_the_utc_one_around_midnight() -> None:
    new_york = timezone(timedelta(hours=-5))
    assert utc_day(datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC)) == date(2026, 12, 6)
    assert utc_day(datetime(2026, 12, 7, 0, 0, 0, tzinfo=UTC)) == date(2026, 12, 7)
    assert utc_day(datetime(2026, 12, 6, 19, 0, 0, tzinfo=new_york)) == date(2026, 12, 7)
    naive = datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(ValueError, match="without a time zone"):
        utc_day(naive)


def test_an_acceptance_is_kept_in_utc_with_its_utc_day() -> None:
    seven_pm_in_new_york = datetime(2026, 12, 6, 19, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    made = accepted(seven_pm_in_new_york)
    assert made.accepted_at == datetime(2026, 12, 7, 0, 0, 0, tzinfo=UTC)
    assert made.accepted_at.tzinfo is UTC
    assert made.accepted_on == date(2026, 12, 7)
    with pytest.raises(ValueError, match="without a time zone"):
        accepted(datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC).replace(tzinfo=None))
