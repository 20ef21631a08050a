"""``q2c bench quotes --psa kaseya_bms``: a 50-line quote to the Kaseya BMS sandbox and a
one-line edit, the calls counted by the sandbox. Speed is never asserted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli


@pytest.mark.xdist_group("processes")
def test_a_one_line_edit_of_a_50_line_quote_costs_kaseya_at_most_5_calls_quo_6() -> None:
    result = CliRunner().invoke(
        cli,
        ["bench", "quotes", "--psa", "kaseya_bms", "--n", "1", "--m", "50", "--latency-ms", "0"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["psa"], report["lines_per_quote"]) == ("kaseya_bms", 50)
    # The opportunity's read and amount, the changed line, the PDF's upload and the old one's
    # delete: the links answer for the quotation, the other 49 lines and the attachment (was 8).
    assert 0 < report["calls_per_one_line_edit"] <= 5
    assert report["limit_violations"] == 0
