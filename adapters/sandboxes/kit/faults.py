"""Fault injection knobs of a sandbox: latency and the failures a vendor's API really shows."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

_ENV = {
    "latency_ms": "Q2C_SANDBOX_LATENCY_MS",
    "error_rate": "Q2C_SANDBOX_ERROR_RATE",
    "timeout_rate": "Q2C_SANDBOX_TIMEOUT_RATE",
    "drop_rate": "Q2C_SANDBOX_DROP_RATE",
    "malformed_rate": "Q2C_SANDBOX_MALFORMED_RATE",
    "rate_limit_rate": "Q2C_SANDBOX_RATE_LIMIT_RATE",
    "retry_after": "Q2C_SANDBOX_RETRY_AFTER",
    "hang_seconds": "Q2C_SANDBOX_HANG_SECONDS",
    "seed": "Q2C_SANDBOX_SEED",
}


class Fault(StrEnum):
    """One injected failure; the order is the order of the draw's slices."""

    RATE_LIMIT = "rate_limit"  # 429 with Retry-After, before any effect
    ERROR = "error"  # 502/503 with an HTML page, before any effect
    TIMEOUT = "timeout"  # no answer for hang_seconds; no effect if the client gives up
    DROP = "drop"  # the effect happens, the connection closes mid-answer
    MALFORMED = "malformed"  # the effect happens, the JSON answer is cut off


@dataclass(frozen=True)
class Faults:
    """Latency (ms, on every vendor call) and the share of calls that fail each way."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    hang_seconds: float = 30.0
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = self._rates()
        if any(not 0.0 <= rate <= 1.0 for rate in rates.values()):
            raise ValueError("fault rates must be between 0 and 1")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise ValueError("fault rates must add up to at most 1")
        if min(self.latency_ms, self.retry_after, self.hang_seconds) < 0:
            raise ValueError("latency_ms, retry_after and hang_seconds cannot be negative")

    def _rates(self) -> dict[Fault, float]:
        return {
            Fault.RATE_LIMIT: self.rate_limit_rate,
            Fault.ERROR: self.error_rate,
            Fault.TIMEOUT: self.timeout_rate,
            Fault.DROP: self.drop_rate,
            Fault.MALFORMED: self.malformed_rate,
        }

    def draw(self, rng: random.Random) -> Fault | None:
        """One draw per call: each fault takes its rate's slice of [0, 1)."""
        point = rng.random()
        for fault, rate in self._rates().items():
            if point < rate:
                return fault
            point -= rate
        return None

    def rng(self) -> random.Random:
        return random.Random(self.seed)  # noqa: S311 - reproducible faults, not secrets

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Faults:
        """Read ``Q2C_SANDBOX_*``; unset variables keep their defaults."""
        values = {name: environ[var] for name, var in _ENV.items() if environ.get(var, "").strip()}
        return cls.from_json(values)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        """From a JSON object of the fields; unknown fields and bad values are a ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, raw in data.items():
            values[name] = _number(name, raw)
        return cls(**values)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _number(name: str, raw: object) -> float | int | None:
    if name == "seed" and raw is None:
        return None
    try:
        return int(str(raw)) if name == "seed" else float(str(raw))
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
