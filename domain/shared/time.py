"""Days of moments: every calendar day the hub derives from a time is the UTC one."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of an aware moment; a naive one says no zone and is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a moment without a time zone has no day")
    return moment.astimezone(UTC).date()
