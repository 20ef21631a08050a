"""After the whole run: no test card or bank account number anywhere (PAY-8).

The test suite hands the BNG sandbox its test cards and eCheck accounts many times; none of
them may end up in a row of the hub's database or in a log record. ``conftest.py`` scans both
databases of the run when they are torn down, and every log record the run emitted.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from adapters.persistence.database import create_engine
from adapters.persistence.tables import metadata
from tests.support.bng import ECHECK_ACCOUNT, TEST_CARDS

SECRETS = (*TEST_CARDS, ECHECK_ACCOUNT)


def leaks(text: str) -> list[str]:
    return [number for number in SECRETS if number in text]


async def card_numbers_in(url: str) -> list[str]:
    """``table: number`` for every row holding a test card or account number."""
    found: list[str] = []
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in await connection.execute(select(table)):
                    found += [f"{table.name}: {n}" for n in leaks(" ".join(map(str, row)))]
    finally:
        await engine.dispose()
    return found


class LeakWatch(logging.Handler):
    """Keeps every log record that mentions a test card or account number."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage() + " " + " ".join(map(str, record.__dict__.values()))
        except Exception:
            return
        if leaks(text):
            self.found.append(f"{record.name}: {record.getMessage()[:200]}")
