"""What the hub and Autotask's REST API say to each other, shared with the sandbox.

Autotask's vocabulary that both sides must spell the same: how user-defined fields travel on a
record, how the API writes a moment, and the user-defined field the hub keeps its id in (INT-4).
Field names are Autotask's (``contracts/autotask_entities.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

HUB_ID_UDF = "Q2C Hub ID"  # the Companies user-defined field a new instance is told to add
UDFS = "userDefinedFields"  # a record's user-defined fields: [{"name": …, "value": …}]


def udf_value(item: Mapping[str, Any], name: str) -> Any:
    """The value of one user-defined field of a record, None when it has none."""
    for udf in item.get(UDFS) or ():
        if udf.get("name") == name:
            return udf.get("value")
    return None


def api_time(moment: datetime) -> str:
    """A moment as Autotask writes one: UTC, milliseconds, ``Z`` (naive means UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
