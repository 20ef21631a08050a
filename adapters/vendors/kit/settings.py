"""A vendor's settings policy (``SettingsPolicy``): its defaults, its typed reader, its problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from application.quotes.ports import Problem
from domain.shared.errors import InvalidValue

S = TypeVar("S")


class ProblemsPolicy(Generic[S]):
    """Defaults added on connect (INT-3); a save with problems is refused, naming the first
    problem's field under ``settings.`` and every message (AT-9, KBMS-1, KBMS-2); ``read``
    gives the vendor's typed settings, a value missing (or null) taken from the defaults."""

    def __init__(
        self,
        defaults: Mapping[str, Any],
        problems: Callable[[Mapping[str, Any]], Sequence[Problem]],
        reader: Callable[[Mapping[str, Any]], S],
    ) -> None:
        self._defaults = dict(defaults)
        self._problems = problems
        self._reader = reader

    def defaults(self) -> Mapping[str, Any]:
        return dict(self._defaults)

    def read(self, settings: Mapping[str, Any]) -> S:
        return self._reader(with_defaults(self._defaults, settings))

    def check(self, settings: Mapping[str, Any]) -> None:
        found = self._problems(settings)
        if found:
            first = found[0]
            raise InvalidValue(
                "; ".join(p.message for p in found),
                rule=first.rule,
                field=f"settings.{first.field}",
            )


def with_defaults(defaults: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """The stored settings over the defaults; a null value is no value."""
    return {**defaults, **{k: v for k, v in settings.items() if v is not None}}
