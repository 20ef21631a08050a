"""The Opportunity of a published quote: found, created or brought up to date (QUO-3..6).

Which one: the opportunity picked with the selector (QUO-5), else the one linked to the quote
(ExternalLinks ``quote_opportunity``), else the one whose hub-id user-defined field holds the
quote's id. That field is written when the hub creates the opportunity, so a create whose
answer was lost (or a crash before the link) is found on retry instead of made again (QUO-6).

A publish sets the amount, cost and revenue fields, and status and stage from the mapping's
"published" entry: for the hub's own opportunity, its mark (``marks.py``) says whether the
last publish wrote the same, so nothing is read first; a picked one is read and only the
fields that differ are written. Won or lost set the mapping's status
and stage, and the day (QUO-4); labels are resolved through the Opportunities picklists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from adapters.vendors.autotask.client import AutotaskClient
from adapters.vendors.autotask.quoting.marks import PushMarks, digest, subject_of
from adapters.vendors.autotask.quoting.search import query_all
from adapters.vendors.autotask.resources import owner_resource_id
from adapters.vendors.autotask.settings import (
    PUBLISHED,
    QuoteSettings,
    StatusLabels,
    read_settings,
)
from adapters.vendors.autotask.translate.quotes import (
    OPPORTUNITY_DATES,
    api_date,
    differences,
    opportunity_body,
    opportunity_money,
)
from adapters.vendors.autotask.translate.records import picklist_value
from adapters.vendors.autotask.translate.writes import external_int
from application.integrations.ports import ExternalLinks, VendorRejected
from application.quotes.ports import Outcome
from application.quotes.snapshot import QuoteSnapshot

OPPORTUNITIES = "Opportunities"
OPPORTUNITY = "opportunity"  # the subject of its marks (marks.py)
QUOTE_OPPORTUNITY = "quote_opportunity"  # ExternalLinks: hub quote → the Opportunity it made
Record = dict[str, Any]


class QuoteOpportunity:
    """One connection's opportunities of hub quotes."""

    def __init__(self, client: AutotaskClient, links: ExternalLinks) -> None:
        self._client = client
        self._links = links
        self._marks = PushMarks(links, client.connection.connection_id)

    async def publish(
        self,
        quote: QuoteSnapshot,
        settings: QuoteSettings,
        *,
        company_id: int,
        contact_id: int | None,
    ) -> int:
        picked = await self._status_fields(settings.status_labels(PUBLISHED))
        opportunity_id, current = await self.existing(quote)
        if opportunity_id is None:
            if "stage" not in picked:  # required on a new opportunity
                raise VendorRejected("the quote-status mapping needs a stage for 'published'")
            owner = await owner_resource_id(self._client, settings.owner_resource_id)
            body = opportunity_body(
                quote,
                replace(settings, owner_resource_id=owner),
                company_id=company_id,
                contact_id=contact_id,
                picked=picked | await self._required_picks(settings),
                hub_id_udf=read_settings(self._client.connection.settings).company.hub_id_udf,
            )
            opportunity_id = await self._client.create(OPPORTUNITIES, body)
            await self._mark(quote, opportunity_id, picked)
        elif quote.opportunity_ref:  # picked: other quotes may write it too, so read it
            current = current or await self._read(opportunity_id)
            wanted = {**opportunity_money(quote), **picked}
            await self._patch(opportunity_id, differences(current, wanted, OPPORTUNITY_DATES))
        else:
            await self._bring_up_to_date(quote, opportunity_id, current, picked)
        if not quote.opportunity_ref:  # a picked opportunity may carry other quotes too
            connection_id = self._client.connection.connection_id
            await self._links.link(connection_id, QUOTE_OPPORTUNITY, quote.id, str(opportunity_id))
        return opportunity_id

    async def _bring_up_to_date(
        self,
        quote: QuoteSnapshot,
        opportunity_id: int,
        current: Record | None,
        picked: Mapping[str, int],
    ) -> None:
        """The hub's own opportunity: its mark says what the last publish wrote, so an
        unchanged quote costs nothing and a changed one one PATCH, without a read first."""
        wanted = {**opportunity_money(quote), **picked}
        last = await self._marks.last(subject_of(quote.id, OPPORTUNITY))
        if last is not None and last.value == _written(opportunity_id, wanted):
            return
        if current is not None:  # found by the marker query: only what differs
            await self._patch(opportunity_id, differences(current, wanted, OPPORTUNITY_DATES))
        else:
            await self._client.update(OPPORTUNITIES, opportunity_id, wanted)
        await self._marks.record(
            subject_of(quote.id, OPPORTUNITY), last, _written(opportunity_id, wanted)
        )

    async def _mark(
        self, quote: QuoteSnapshot, opportunity_id: int, picked: Mapping[str, int]
    ) -> None:
        wanted = {**opportunity_money(quote), **picked}
        subject = subject_of(quote.id, OPPORTUNITY)
        await self._marks.record(
            subject, await self._marks.last(subject), _written(opportunity_id, wanted)
        )

    async def set_outcome(
        self, quote: QuoteSnapshot, outcome: Outcome, settings: QuoteSettings, today: date
    ) -> None:
        """QUO-4: a second call finds status and stage set and writes nothing."""
        opportunity_id, current = await self.existing(quote)
        if opportunity_id is None:
            raise VendorRejected(f"the quote {quote.number} has no Autotask opportunity yet")
        current = current or await self._read(opportunity_id)
        wanted = await self._status_fields(settings.status_labels(outcome.value))
        changes = differences(current, wanted)
        if changes:
            changes["closedDate" if outcome is Outcome.WON else "lostDate"] = api_date(today)
            await self._patch(opportunity_id, changes)
            subject = subject_of(quote.id, OPPORTUNITY)  # a publish after it writes again
            await self._marks.record(subject, await self._marks.last(subject), outcome.value)

    async def existing(self, quote: QuoteSnapshot) -> tuple[int | None, Record | None]:
        """The picked, linked or marked opportunity, with its record when a query read it."""
        if quote.opportunity_ref:
            return external_int(quote.opportunity_ref, "opportunity"), None
        connection = self._client.connection
        linked = await self._links.find(connection.connection_id, QUOTE_OPPORTUNITY, quote.id)
        if linked is not None:
            return external_int(linked, "opportunity"), None
        udf = read_settings(connection.settings).company.hub_id_udf
        marker = {"op": "eq", "field": udf, "value": str(quote.id), "udf": True}
        found = await query_all(self._client, OPPORTUNITIES, [marker], limit=10)
        first = min(found, key=lambda item: int(item["id"]), default=None)
        return (None, None) if first is None else (int(first["id"]), first)

    async def _read(self, opportunity_id: int) -> Record:
        current = await self._client.get(OPPORTUNITIES, opportunity_id)
        if current is None:
            raise VendorRejected(f"the Autotask opportunity {opportunity_id} no longer exists")
        return current

    async def _patch(self, opportunity_id: int, changes: Mapping[str, Any]) -> None:
        if changes:
            await self._client.update(OPPORTUNITIES, opportunity_id, changes)

    async def _status_fields(self, labels: StatusLabels) -> dict[str, int]:
        """The status (and stage) values the mapping's labels stand for on this instance."""
        fields = await self._client.fields_of(OPPORTUNITIES)
        picked = {"status": _picked(fields, "status", labels.status)}
        if labels.stage:
            picked["stage"] = _picked(fields, "stage", labels.stage)
        return picked

    async def _required_picks(self, settings: QuoteSettings) -> dict[str, int]:
        """Rating and lead source, sent only where this instance makes them required."""
        fields = await self._client.fields_of(OPPORTUNITIES)
        required = {str(f.get("name")) for f in fields if f.get("isRequired")}
        picks = {}
        for name, label in (("rating", settings.rating), ("leadSource", settings.lead_source)):
            if name in required:
                if label is None:
                    raise VendorRejected(
                        f"this Autotask requires an opportunity {name}: set it (AT-9)"
                    )
                picks[name] = _picked(fields, name, label)
        return picks


def _written(opportunity_id: int, wanted: Mapping[str, Any]) -> str:
    return f"{opportunity_id}:{digest(sorted(wanted.items()))}"


def _picked(fields: Sequence[Mapping[str, Any]], name: str, label: str) -> int:
    value = picklist_value(fields, name, label)
    if value is None:
        raise VendorRejected(
            f"Autotask has no Opportunity {name} labelled {label!r}: "
            "check the quote-status mapping (AT-9)"
        )
    return value
