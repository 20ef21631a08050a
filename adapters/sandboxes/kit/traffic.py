"""A vendor's limits, enforced like the vendor does, and what the sandbox saw of its traffic."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_WHOLE_API = "*"


@dataclass(frozen=True)
class SandboxLimits:
    """Concurrent calls per endpoint and a request budget per window; None means unlimited.

    ``retry_after`` is what the sandbox's 429 asks for when a call breaks the concurrency limit.
    """

    concurrent_per_endpoint: int | None = None
    requests_per_window: int | None = None
    window_seconds: float = 3600.0
    per_endpoint_budget: bool = False
    retry_after: float = 1.0


class Traffic:
    """Counts calls per endpoint and refuses those over a limit; safe across threads."""

    def __init__(self, limits: SandboxLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._in_flight: Counter[str] = Counter()
            self._max_concurrency: Counter[str] = Counter()
            self._violations: Counter[str] = Counter()
            self._windows: dict[str, deque[float]] = {}

    def admit(self, endpoint: str) -> float | None:
        """Start a call: None when admitted, else the seconds to ask the caller to wait.

        The concurrency seen counts calls refused for it, so a test can see a limit was broken.
        """
        with self._lock:
            self._requests[endpoint] += 1
            self._in_flight[endpoint] += 1
            seen = self._in_flight[endpoint]
            self._max_concurrency[endpoint] = max(self._max_concurrency[endpoint], seen)
            wait = self._over_concurrency(seen)
            if wait is None:
                wait = self._over_budget(endpoint)
            if wait is not None:
                self._in_flight[endpoint] -= 1
                self._violations[endpoint] += 1
            return wait

    def release(self, endpoint: str) -> None:
        with self._lock:
            self._in_flight[endpoint] -= 1

    def _over_concurrency(self, seen: int) -> float | None:
        limit = self.limits.concurrent_per_endpoint
        return self.limits.retry_after if limit is not None and seen > limit else None

    def _over_budget(self, endpoint: str) -> float | None:
        budget = self.limits.requests_per_window
        if budget is None:
            return None
        now = self._clock()
        scope = endpoint if self.limits.per_endpoint_budget else _WHOLE_API
        window = self._windows.setdefault(scope, deque())
        while window and window[0] <= now - self.limits.window_seconds:
            window.popleft()
        if len(window) >= budget:
            # Whole seconds, as Retry-After is written: when the oldest call leaves the window.
            return max(math.ceil(window[0] + self.limits.window_seconds - now), 1)
        window.append(now)
        return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "max_concurrency": dict(self._max_concurrency),
                "limit_violations": sum(self._violations.values()),
                "limit_violations_by_endpoint": dict(self._violations),
            }
