"""One sandbox instance's entities: picklist values are the instance's own.

In Autotask, picklist values (stages, lead sources, product categories, ticket statuses,
priorities, queues, issue types, …) differ from one database to the next; only a few are fixed
by Autotask itself (``picklists.FIXED_PICKLISTS``). ``picklist_offset`` shifts every other
integer value by that much, in what entityInformation answers, what writes must use and what
is seeded, so tests can run against an instance whose numbers are not the usual ones and show
that the hub reads labels, never numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from adapters.sandboxes.autotask.entities import RULES
from adapters.sandboxes.autotask.fields import EntityRules, FieldSpec
from adapters.sandboxes.autotask.picklists import FIXED_PICKLISTS


def instance_rules(offset: int) -> dict[str, EntityRules]:
    """The entities with their instance picklists shifted by ``offset`` (0: as declared)."""
    if offset == 0:
        return dict(RULES)
    return {
        entity: replace(
            rules,
            fields={n: _shifted(entity, spec, offset) for n, spec in rules.fields.items()},
        )
        for entity, rules in RULES.items()
    }


def shifted_values(entity: str, body: Mapping[str, Any], offset: int) -> dict[str, Any]:
    """A record written with the declared values, in the instance's values (for seeds)."""
    fields = RULES[entity].fields
    return {
        name: value + offset if _shifts(entity, fields.get(name), value) else value
        for name, value in body.items()
    }


def _shifted(entity: str, spec: FieldSpec, offset: int) -> FieldSpec:
    if not spec.picklist or not all(_shifts(entity, spec, v) for v, _ in spec.picklist):
        return spec
    picklist = tuple((int(value) + offset, label) for value, label in spec.picklist)
    default = spec.default + offset if isinstance(spec.default, int) else spec.default
    return replace(spec, picklist=picklist, default=default)


def _shifts(entity: str, spec: FieldSpec | None, value: object) -> bool:
    return (
        spec is not None
        and bool(spec.picklist)
        and (entity, spec.name) not in FIXED_PICKLISTS
        and isinstance(value, int)
        and not isinstance(value, bool)
    )
