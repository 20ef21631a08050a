"""The sandbox base's knobs and limit bookkeeping, without a server."""

from __future__ import annotations

from collections import Counter

import pytest

from adapters.sandboxes.kit.base import Fault, Faults, SandboxLimits
from adapters.sandboxes.kit.traffic import Traffic


def test_faults_come_from_q2c_sandbox_environment_variables() -> None:
    environ = {
        "Q2C_SANDBOX_LATENCY_MS": "20",
        "Q2C_SANDBOX_ERROR_RATE": "0.1",
        "Q2C_SANDBOX_TIMEOUT_RATE": "0.05",
        "Q2C_SANDBOX_DROP_RATE": "0.02",
        "Q2C_SANDBOX_MALFORMED_RATE": "0.01",
        "Q2C_SANDBOX_RATE_LIMIT_RATE": "0.2",
        "Q2C_SANDBOX_RETRY_AFTER": "3",
        "Q2C_SANDBOX_SEED": "42",
        "UNRELATED": "x",
    }

    assert Faults.from_env(environ) == Faults(
        latency_ms=20,
        error_rate=0.1,
        timeout_rate=0.05,
        drop_rate=0.02,
        malformed_rate=0.01,
        rate_limit_rate=0.2,
        retry_after=3,
        seed=42,
    )
    assert Faults.from_env({}) == Faults()


@pytest.mark.parametrize(
    "values",
    [{"error_rate": 1.5}, {"error_rate": 0.6, "drop_rate": 0.6}, {"latency_ms": "fast"}, {"x": 1}],
)
def test_impossible_fault_settings_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"rate|number|unknown"):
        Faults.from_json(values)


def test_faults_strike_at_their_rates_and_repeat_with_the_same_seed() -> None:
    faults = Faults(error_rate=0.2, rate_limit_rate=0.1, drop_rate=0.05, seed=1)

    rng = faults.rng()
    draws = Counter(faults.draw(rng) for _ in range(10_000))

    assert 1800 < draws[Fault.ERROR] < 2200
    assert 800 < draws[Fault.RATE_LIMIT] < 1200
    assert 350 < draws[Fault.DROP] < 650
    assert draws[Fault.TIMEOUT] == draws[Fault.MALFORMED] == 0
    first, second = faults.rng(), faults.rng()
    assert [faults.draw(first) for _ in range(50)] == [faults.draw(second) for _ in range(50)]


def test_traffic_refuses_calls_over_the_concurrency_limit_and_counts_them() -> None:
    traffic = Traffic(SandboxLimits(concurrent_per_endpoint=2, retry_after=1))

    admitted = [traffic.admit("Companies") for _ in range(3)]
    traffic.release("Companies")

    assert admitted == [None, None, 1]
    assert traffic.admit("Companies") is None  # a slot freed
    assert traffic.admit("Contacts") is None  # another endpoint has its own slots
    snapshot = traffic.snapshot()
    assert snapshot["max_concurrency"] == {"Companies": 3, "Contacts": 1}
    assert snapshot["limit_violations"] == 1


def test_traffic_budget_asks_to_wait_until_the_oldest_call_leaves_the_window() -> None:
    now = [0.0]
    traffic = Traffic(SandboxLimits(requests_per_window=2, window_seconds=60), lambda: now[0])
    for endpoint in ("Companies", "Contacts"):  # the budget is for the whole API
        assert traffic.admit(endpoint) is None
        traffic.release(endpoint)
        now[0] += 10

    assert traffic.admit("Companies") == 40  # the first call leaves the window at t=60
    now[0] = 61
    assert traffic.admit("Companies") is None
