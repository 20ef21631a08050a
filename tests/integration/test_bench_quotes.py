"""``q2c bench quotes`` with tiny numbers: the hub's path to the Autotask sandbox for real.

Speed is never asserted: only that the figures are there and add up.
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from entrypoints.cli.main import cli


def test_the_quote_bench_prints_its_figures_and_a_one_line_edit_costs_little() -> None:
    result = CliRunner().invoke(
        cli,
        ["bench", "quotes", "--n", "2", "--m", "6", "--latency-ms", "1"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["benchmark"] == "quotes"
    assert (report["quotes"], report["lines_per_quote"]) == (2, 6)
    # QUO-6: the edit of one line rewrites that item, not the other five.
    assert 0 < report["calls_per_one_line_edit"] < report["calls_per_publish"]
    assert report["limit_violations"] == 0  # AT-10: never more than 3 calls at once
    assert report["max_concurrency_seen"] <= 3
