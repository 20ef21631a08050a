"""``/v1/quotes``: build a quote, publish it to the PSA, win or lose it, print it (QUO-1..7).

Every staff role quotes; the rules are in the aggregate and the use cases.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from application.identity.ports import Principal
from application.quotes.queries import QuoteQueries
from application.quotes.repositories import QuoteFilter
from application.quotes.use_cases import (
    AddLine,
    ChangeLine,
    CreateQuote,
    LoseQuote,
    PublishQuote,
    RemoveLine,
    RenderQuote,
    ReviseQuote,
    SetQuoteDiscount,
    WinQuote,
)
from application.shared.pagination import PageRequest
from domain.crm.organization import OrganizationId
from domain.quotes.quote import LineId, QuoteId, QuoteStatus
from entrypoints.http.auth import ANY_STAFF
from entrypoints.http.downloads import inline
from entrypoints.http.schemas.common import Limit, PageOut
from entrypoints.http.schemas.quote_lines import LineBody
from entrypoints.http.schemas.quotes import DiscountPut, LostBody, QuoteCreate, QuoteOut, QuotePatch


class QuoteController(Controller):
    path = "/v1/quotes"
    tags = ["quotes"]  # noqa: RUF012
    guards = [ANY_STAFF]  # noqa: RUF012

    @post("/", summary="Create a draft quote, with its lines and discount")
    async def create(
        self,
        data: JSONBody[QuoteCreate],
        principal: NamedDependency[Principal],
        create_quote: NamedDependency[CreateQuote],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await create_quote(
            principal.tenant_id,
            data.to_header(),
            [line.to_spec() for line in data.lines],
            data.discount.to_domain() if data.discount else None,
        )
        return QuoteOut.of(quote_queries.view(quote))

    @get("/", summary="List quotes, filtered, one page at a time")
    async def list_quotes(
        self,
        principal: NamedDependency[Principal],
        quote_queries: NamedDependency[QuoteQueries],
        organization_id: FromQuery[UUID | None] = None,
        status: FromQuery[QuoteStatus | None] = None,
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="number or title contains")
        ] = None,
        limit: Limit = None,
        cursor: FromQuery[str | None] = None,
    ) -> PageOut[QuoteOut]:
        where = QuoteFilter(
            organization_id=OrganizationId(organization_id) if organization_id else None,
            status=status,
            search=q,
        )
        page = await quote_queries.quotes(
            principal.tenant_id, where, PageRequest.parse(limit, cursor)
        )
        return PageOut.of(page, QuoteOut.of)

    @get("/{quote_id:uuid}", summary="Read a quote, its totals and where it is in the PSA")
    async def read(
        self,
        quote_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        return QuoteOut.of(await quote_queries.one(principal.tenant_id, QuoteId(quote_id)))

    @patch("/{quote_id:uuid}", summary="Change the quote's header fields")
    async def revise(
        self,
        quote_id: FromPath[UUID],
        data: JSONBody[QuotePatch],
        principal: NamedDependency[Principal],
        revise_quote: NamedDependency[ReviseQuote],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await revise_quote(principal.tenant_id, QuoteId(quote_id), data.to_changes())
        return QuoteOut.of(quote_queries.view(quote))

    @post("/{quote_id:uuid}/lines", summary="Add a line from the catalog, a PSA, or ad hoc")
    async def add_line(
        self,
        quote_id: FromPath[UUID],
        data: JSONBody[LineBody],
        principal: NamedDependency[Principal],
        add_line: NamedDependency[AddLine],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await add_line(
            principal.tenant_id, QuoteId(quote_id), data.to_spec(), data.position
        )
        return QuoteOut.of(quote_queries.view(quote))

    @put("/{quote_id:uuid}/lines/{line_id:uuid}", summary="Replace a line's details")
    async def change_line(
        self,
        quote_id: FromPath[UUID],
        line_id: FromPath[UUID],
        data: JSONBody[LineBody],
        principal: NamedDependency[Principal],
        change_line: NamedDependency[ChangeLine],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await change_line(
            principal.tenant_id, QuoteId(quote_id), LineId(line_id), data.to_spec()
        )
        return QuoteOut.of(quote_queries.view(quote))

    @delete("/{quote_id:uuid}/lines/{line_id:uuid}", status_code=200, summary="Remove a line")
    async def remove_line(
        self,
        quote_id: FromPath[UUID],
        line_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        remove_line: NamedDependency[RemoveLine],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await remove_line(principal.tenant_id, QuoteId(quote_id), LineId(line_id))
        return QuoteOut.of(quote_queries.view(quote))

    @put("/{quote_id:uuid}/discount", summary="Set or clear the quote-level discount")
    async def set_discount(
        self,
        quote_id: FromPath[UUID],
        data: JSONBody[DiscountPut],
        principal: NamedDependency[Principal],
        set_quote_discount: NamedDependency[SetQuoteDiscount],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        discount = data.discount.to_domain() if data.discount else None
        quote = await set_quote_discount(principal.tenant_id, QuoteId(quote_id), discount)
        return QuoteOut.of(quote_queries.view(quote))

    @post(
        "/{quote_id:uuid}/publish",
        status_code=202,
        summary="Publish or update: the worker pushes it to the PSA (QUO-3)",
    )
    async def publish(
        self,
        quote_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        publish_quote: NamedDependency[PublishQuote],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await publish_quote(principal.tenant_id, QuoteId(quote_id))
        return QuoteOut.of(quote_queries.view(quote))

    @post("/{quote_id:uuid}/won", status_code=200, summary="Won: the PSA opportunity follows")
    async def won(
        self,
        quote_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        win_quote: NamedDependency[WinQuote],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await win_quote(principal.tenant_id, QuoteId(quote_id))
        return QuoteOut.of(quote_queries.view(quote))

    @post("/{quote_id:uuid}/lost", status_code=200, summary="Lost: the PSA opportunity follows")
    async def lost(
        self,
        quote_id: FromPath[UUID],
        data: JSONBody[LostBody],
        principal: NamedDependency[Principal],
        lose_quote: NamedDependency[LoseQuote],
        quote_queries: NamedDependency[QuoteQueries],
    ) -> QuoteOut:
        quote = await lose_quote(principal.tenant_id, QuoteId(quote_id), data.reason)
        return QuoteOut.of(quote_queries.view(quote))

    @get(
        "/{quote_id:uuid}/pdf",
        summary="The customer-facing quote as a PDF (QUO-7)",
        media_type="application/pdf",
    )
    async def pdf(
        self,
        quote_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        render_quote: NamedDependency[RenderQuote],
    ) -> Response[bytes]:
        quote, content = await render_quote(principal.tenant_id, QuoteId(quote_id))
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": inline(f"{quote.number}.pdf")},
        )
