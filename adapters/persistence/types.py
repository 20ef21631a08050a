"""Column types that keep the domain's values exact on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, String, TypeDecorator

from adapters.persistence.quote_codec import line_from_json, line_to_json
from domain.quotes.quote import QuoteLine
from domain.shared.money import Currency

# Every supported currency (MON-2) has two minor digits; a test holds Currency to this.
STORED_MINOR_DIGITS = 2


class MinorUnits(TypeDecorator[Decimal]):
    """A money amount stored as integer minor units (cents): SQLite has no exact decimal."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        units = value.scaleb(STORED_MINOR_DIGITS)
        if units != units.to_integral_value():
            raise ValueError(f"{value} is not a whole number of minor units")
        return int(units)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-STORED_MINOR_DIGITS)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal that is not money (a percent, a quantity) kept exactly as its text."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class CurrencyCode(TypeDecorator[Currency]):
    impl = String(3)
    cache_ok = True

    def process_bind_param(self, value: Currency | None, dialect: Dialect) -> str | None:
        return None if value is None else value.value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Currency | None:
        return None if value is None else Currency(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StrEnumType(TypeDecorator[Any]):
    """A StrEnum kept as its value in a plain string column (no database enum to migrate)."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[Any], length: int = 32) -> None:
        super().__init__(length)
        self._enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self._enum(value).value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else self._enum(value)


class QuoteLines(TypeDecorator[list[QuoteLine]]):
    """A quote's lines in one JSON column (``quote_codec`` says how each is written)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: list[QuoteLine] | None, dialect: Dialect
    ) -> list[dict[str, Any]] | None:
        return None if value is None else [line_to_json(line) for line in value]

    def process_result_value(
        self, value: list[dict[str, Any]] | None, dialect: Dialect
    ) -> list[QuoteLine] | None:
        return None if value is None else [line_from_json(row) for row in value]
