"""``/v1/tenant`` and ``/v1/api-keys`` (admins only, but reading the tenant)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from application.identity.ports import Principal
from application.identity.queries import IdentityQueries
from application.identity.use_cases import IssueApiKey, RevokeApiKey, SetTenantCurrency
from domain.identity.access import ApiKeyId
from domain.shared.money import Currency
from entrypoints.http.auth import ADMINS, ANY_STAFF
from entrypoints.http.schemas.identity import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    CurrencyBody,
    TenantOut,
)


class TenantController(Controller):
    path = "/v1/tenant"
    tags = ["tenant"]  # noqa: RUF012

    @get("/", guards=[ANY_STAFF], summary="The caller's tenant")
    async def read(
        self,
        principal: NamedDependency[Principal],
        identity_queries: NamedDependency[IdentityQueries],
    ) -> TenantOut:
        return TenantOut.of(await identity_queries.tenant(principal.tenant_id))

    @post(
        "/currency",
        guards=[ADMINS],
        status_code=200,
        summary="Set the internal currency, once and for good (MON-3)",
    )
    async def set_currency(
        self,
        data: JSONBody[CurrencyBody],
        principal: NamedDependency[Principal],
        set_tenant_currency: NamedDependency[SetTenantCurrency],
    ) -> TenantOut:
        currency = Currency.parse(data.currency)
        return TenantOut.of(await set_tenant_currency(principal.tenant_id, currency))


class ApiKeyController(Controller):
    path = "/v1/api-keys"
    tags = ["api keys"]  # noqa: RUF012
    guards = [ADMINS]  # noqa: RUF012

    @post("/", summary="Create a key; the answer shows it once")
    async def create(
        self,
        data: JSONBody[ApiKeyCreate],
        principal: NamedDependency[Principal],
        issue_api_key: NamedDependency[IssueApiKey],
    ) -> ApiKeyCreated:
        return ApiKeyCreated.issued(await issue_api_key(principal.tenant_id, data.name, data.role))

    @get("/", summary="List keys (never their secrets)")
    async def list_keys(
        self,
        principal: NamedDependency[Principal],
        identity_queries: NamedDependency[IdentityQueries],
    ) -> list[ApiKeyOut]:
        return [ApiKeyOut.of(k) for k in await identity_queries.api_keys(principal.tenant_id)]

    @post("/{key_id:uuid}/revoke", status_code=200, summary="Revoke a key at once")
    async def revoke(
        self,
        key_id: FromPath[UUID],
        principal: NamedDependency[Principal],
        revoke_api_key: NamedDependency[RevokeApiKey],
    ) -> ApiKeyOut:
        return ApiKeyOut.of(await revoke_api_key(principal.tenant_id, ApiKeyId(key_id)))
