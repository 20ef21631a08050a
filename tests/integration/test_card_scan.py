"""The run-wide card scan (tests/support/card_scan.py) finds what it must (PAY-8)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from adapters.persistence import tables
from adapters.persistence.database import create_engine
from adapters.persistence.migrate import migrate
from domain.shared.ids import new_id
from tests.support.bng import VISA
from tests.support.card_scan import LeakWatch, card_numbers_in


async def test_a_card_number_in_any_row_is_found(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'scan.db'}"
    await migrate(url)
    assert await card_numbers_in(url) == []
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            insert(tables.tenants).values(
                id=new_id(), name=f"leaky {VISA}", created_at=datetime(2026, 11, 22, tzinfo=UTC)
            )
        )
    await engine.dispose()
    assert await card_numbers_in(url) == [f"tenants: {VISA}"]


def test_a_card_number_in_a_log_record_or_its_fields_is_found() -> None:
    watch = LeakWatch()
    logger = logging.getLogger("q2c.scan-test")
    logger.addHandler(watch)
    logger.propagate = False  # the run-wide watch would rightly fail the run on this record
    try:
        logger.warning("charged %s", "a token")
        logger.warning("sale", extra={"ccnumber": VISA})
    finally:
        logger.removeHandler(watch)
        logger.propagate = True
    assert len(watch.found) == 1
    assert watch.found[0].startswith("q2c.scan-test: sale")
