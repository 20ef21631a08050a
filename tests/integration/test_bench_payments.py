"""``q2c bench payments`` with tiny numbers: the hub, the sandboxes and PostgreSQL for real.

The audit must be clean and the answers must add up; speed is never asserted.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli

pytestmark = pytest.mark.postgres
OUTCOMES = ("accepted", "refused", "replays", "declined", "pending", "errors")


def bench(postgres_url: str, *args: str) -> dict[str, Any]:
    tiny = ["--invoices", "3", "--requests", "30", "--concurrency", "8", "--tenants", "2"]
    result = CliRunner().invoke(
        cli,
        ["bench", "payments", *tiny, *args, "--postgres-url", postgres_url],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert sum(report[outcome] for outcome in OUTCOMES) == report["requests"] == 30
    return report


def test_concurrent_payments_leave_clean_books_and_the_expected_answers(
    postgres_url: str,
) -> None:  # PAY-2, PAY-15, MON-4
    report = bench(postgres_url)
    assert report["invariants"] == "clean"
    expected = report["expected"]
    assert {name: report[name] for name in expected} == expected
    assert expected["refused"] == expected["replays"] == 6  # 20% each
    assert report["payments_in_hub"] == {"approved": expected["accepted"]}
    assert report["gateway_sales"] == expected["accepted"]


def test_payments_whose_gateway_answers_are_lost_are_resolved_to_clean_books(
    postgres_url: str,
) -> None:  # PAY-9, PAY-15: pending, then resolved by order id, charged at most once
    report = bench(postgres_url, "--gateway-faults", "0.5", "--seed", "3")
    assert report["invariants"] == "clean"
    assert report["resolved_afterwards"] == report["pending"] > 0
    assert "pending" not in report["payments_in_hub"]
    assert report["refused"] == report["expected"]["refused"]
