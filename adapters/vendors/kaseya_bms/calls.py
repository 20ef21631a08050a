"""The Kaseya BMS calls the quote push and the searches make, one method per operation: here
the connection test, accounts, contacts and opportunities; quotations, items and attachments in
``calls_quotes.py``; the calls Kaseya does not publish in ``unpublished.py``.

Bodies are the vendor's DTOs as Kaseya names them (PascalCase), built by ``translate.py``; each
method names its operation. The calls Kaseya does not publish are declared in ``unpublished.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.vendors.kaseya_bms import contract as api
from application.integrations.ports import ConnectionConfig, VendorUnavailable

Query = Mapping[str, str | int | bool | list[int] | None]
PAGE_SIZE = 50
MAX_PAGES = 20  # a list read whole stops here: 1,000 records at the largest page
OPEN_STATUS_ACTION = "Open"  # the base status (``StatusActionName``) of open opportunities
OPPORTUNITY_INPUT = (
    "Subject",
    "StatusId",
    "AccountId",
    "AccountLocationId",
    "ContactId",
    "TypeId",
    "Probability",
    "RatingId",
    "LeadSourceId",
    "SalesRepresentativeUserId",
    "Amount",
    "Description",
    "CustomerPO",
    "CloseDate",
)


@dataclass(frozen=True)
class Page:
    """One page of a list: its records and, for paged lists, how many there are in all."""

    items: list[dict[str, Any]]
    total: int | None = None


class KaseyaCalls:
    """The operations, over ``call`` (the client's authenticated, limited exchange)."""

    connection: ConnectionConfig

    async def call(
        self,
        op: api.Operation,
        *,
        path: Mapping[str, int | str] | None = None,
        params: Query | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def api_user_id(self) -> int:
        """``GET /v2/security/userinfo``: the id of the user the API signs in as, the owner of
        what a push makes when the settings name none."""
        info = (await self.call(api.USER_INFO)).get("Result")
        user = info.get("UserId") if isinstance(info, dict) else None
        if not isinstance(user, int) or isinstance(user, bool):
            raise VendorUnavailable("Kaseya BMS answered its userinfo without a UserId")
        return user

    async def test(self) -> None:
        """INT-2: the opportunity statuses, read with a token (signing in if none is held)."""
        await self.opportunity_statuses()

    # --- accounts and contacts (QUO-5) ---------------------------------------------------------

    async def find_accounts(
        self, name: str | None = None, *, active: bool | None = True, page: int = 1
    ) -> Page:
        """``GET /v2/crm/accounts/summary``: accounts whose name contains ``name``."""
        filters = {"Filter.AccountName": name, "Filter.IsActive": active}
        return await self._page(api.ACCOUNTS, filters, page)

    async def account(self, account_id: int) -> dict[str, Any]:
        """``GET /v2/crm/accounts/summary/{id}`` (the spec answers the bare DTO), locations
        included."""
        return await self._one(api.ACCOUNT, path={"id": account_id})

    async def create_account(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/crm/accounts`` with an ``AccountPostInputDto`` (a main location needed)."""
        return await self._one(api.CREATE_ACCOUNT, json=dict(body))

    async def find_contacts(
        self,
        *,
        account_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        active: bool | None = True,
        page: int = 1,
    ) -> Page:
        """``GET /v2/crm/contacts/summary`` with its filters (all optional)."""
        filters = {
            "Filter.AccountId": account_id,
            "Filter.FirstName": first_name,
            "Filter.LastName": last_name,
            "Filter.Email": email,
            "Filter.IsActive": active,
        }
        return await self._page(api.CONTACTS, filters, page)

    async def create_contact(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/crm/contacts/summary`` with a ``ContactInputDto``."""
        return await self._one(api.CREATE_CONTACT, json=dict(body))

    # --- opportunities (QUO-3, QUO-4, KBMS-8) --------------------------------------------------

    async def opportunities(
        self,
        *,
        account_id: int | None = None,
        status_id: int | None = None,
        in_pipeline: bool | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> Page:
        """``GET /v2/crm/opportunities``; the spec filters by one status id, not by base status."""
        filters = {
            "Filter.AccountId": account_id,
            "Filter.StatusId": status_id,
            "Filter.InPipeline": in_pipeline,
        }
        return await self._page(api.OPPORTUNITIES, filters, page, page_size)

    async def open_active_opportunities(
        self, *, account_id: int | None = None
    ) -> list[dict[str, Any]]:
        """KBMS-8: the opportunities whose status has base status Open and is active, whatever
        the push-side status mapping says; one list per such status (the spec filters by one)."""
        found: list[dict[str, Any]] = []
        for status in await self.opportunity_statuses():
            if is_open_and_active(status):
                filters = {"Filter.AccountId": account_id, "Filter.StatusId": status["Id"]}
                found += await self._every(api.OPPORTUNITIES, filters)
        return found

    async def opportunity(self, opportunity_id: int) -> dict[str, Any]:
        """``GET /v2/crm/opportunities/{id}``."""
        return await self._one(api.OPPORTUNITY, path={"id": opportunity_id})

    async def create_opportunity(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /v2/crm/opportunities`` with an ``OpportunityInputDto`` (10 fields required)."""
        return await self._one(api.CREATE_OPPORTUNITY, json=dict(body))

    async def update_opportunity(
        self, opportunity_id: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``PUT /v2/crm/opportunities/{id}`` with a whole ``OpportunityInputDto``."""
        return await self._one(api.UPDATE_OPPORTUNITY, path={"id": opportunity_id}, json=dict(body))

    async def opportunity_statuses(self) -> list[dict[str, Any]]:
        """``GET /v2/crm/opportunities/statuses/Lookup``: id, name, ``IsActive`` and the base
        status (``StatusActionId``/``StatusActionName``: Open, Closed Won, Closed Lost)."""
        return records(await self.call(api.OPPORTUNITY_STATUSES), api.OPPORTUNITY_STATUSES)

    # --- shared -----------------------------------------------------------------------------------

    async def _one(
        self,
        op: api.Operation,
        *,
        path: Mapping[str, int | str] | None = None,
        json: Any = None,
    ) -> dict[str, Any]:
        result = (await self.call(op, path=path, json=json)).get("Result")
        if not isinstance(result, dict):
            raise VendorUnavailable(f"Kaseya BMS answered {op.what} without its record")
        return result

    async def _page(
        self,
        op: api.Operation,
        filters: Query,
        page: int,
        page_size: int = PAGE_SIZE,
        path: Mapping[str, int | str] | None = None,
    ) -> Page:
        params = {**filters, "PageSize": page_size, "PageNumber": page}
        answer = await self.call(op, path=path, params=params)
        return Page(records(answer, op), total(answer))

    async def _every(
        self, op: api.Operation, filters: Query, path: Mapping[str, int | str] | None = None
    ) -> list[dict[str, Any]]:
        """Every page of a paged list, up to ``MAX_PAGES`` pages."""
        found: list[dict[str, Any]] = []
        for number in range(1, MAX_PAGES + 1):
            page = await self._page(op, filters, number, 100, path)
            found += page.items
            count = page.total if page.total is not None else len(found)
            if not page.items or len(found) >= count:
                break
        return found


def is_open_and_active(status: Mapping[str, Any]) -> bool:
    """KBMS-8: an opportunity status of base status Open whose active status is Yes."""
    action = str(status.get("StatusActionName") or "").strip().casefold()
    return action == OPEN_STATUS_ACTION.casefold() and status.get("IsActive") is True


def records(answer: Mapping[str, Any], op: api.Operation) -> list[dict[str, Any]]:
    result = answer.get("Result")
    if result is None:
        return []
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        raise VendorUnavailable(f"Kaseya BMS answered {op.what} without a list of records")
    return result


def total(answer: Mapping[str, Any]) -> int | None:
    total = answer.get("TotalRecords")
    return total if isinstance(total, int) and not isinstance(total, bool) else None
