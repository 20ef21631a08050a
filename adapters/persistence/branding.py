"""The tenant's branding and logo: plain rows keyed by the tenant, not aggregates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence import tables
from domain.identity.branding import Branding, Logo
from domain.identity.tenant import TenantId

_FIELDS = (
    "name",
    "email",
    "phone",
    "website",
    "quote_terms",
    "payment_terms",
    "accent_colour",
    "default_tax_rate",
    "invoice_ready_emails",
)


class SqlAlchemyBrandingRepository:
    def __init__(self, session: AsyncSession, tenant_id: TenantId) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def get(self) -> Branding | None:
        t = tables.tenant_branding
        row = (
            await self._session.execute(select(t).where(t.c.tenant_id == self._tenant_id))
        ).first()
        if row is None:
            return None
        return Branding(
            address=tuple(row.address), **{name: getattr(row, name) for name in _FIELDS}
        )

    async def save(self, branding: Branding) -> None:
        values: dict[str, Any] = {name: getattr(branding, name) for name in _FIELDS}
        await self._replace(tables.tenant_branding, address=list(branding.address), **values)

    async def logo(self) -> Logo | None:
        t = tables.tenant_logos
        row = (
            await self._session.execute(select(t).where(t.c.tenant_id == self._tenant_id))
        ).first()
        return None if row is None else Logo(row.media_type, row.content, row.width, row.height)

    async def save_logo(self, logo: Logo | None) -> None:
        if logo is None:
            t = tables.tenant_logos
            await self._session.execute(delete(t).where(t.c.tenant_id == self._tenant_id))
            return
        await self._replace(
            tables.tenant_logos,
            media_type=logo.media_type,
            content=logo.content,
            width=logo.width,
            height=logo.height,
        )

    async def _replace(self, table: Any, **values: Any) -> None:
        await self._session.execute(delete(table).where(table.c.tenant_id == self._tenant_id))
        await self._session.execute(insert(table).values(tenant_id=self._tenant_id, **values))
