"""A PSA's settings policy (``SettingsPolicy``) from its defaults and its list of problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from application.quotes.ports import Problem
from domain.shared.errors import InvalidValue


class ProblemsPolicy:
    """Defaults added on connect (INT-3); a save with problems is refused, naming the first
    problem's field under ``settings.`` and every message (AT-9, KBMS-1, KBMS-2)."""

    def __init__(
        self,
        defaults: Mapping[str, Any],
        problems: Callable[[Mapping[str, Any]], Sequence[Problem]],
    ) -> None:
        self._defaults = dict(defaults)
        self._problems = problems

    def defaults(self) -> Mapping[str, Any]:
        return dict(self._defaults)

    def check(self, settings: Mapping[str, Any]) -> None:
        found = self._problems(settings)
        if found:
            first = found[0]
            raise InvalidValue(
                "; ".join(p.message for p in found),
                rule=first.rule,
                field=f"settings.{first.field}",
            )
