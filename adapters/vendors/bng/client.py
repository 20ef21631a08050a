"""BNG (NMI) over httpx: ``transact.php`` and ``query.php`` for any connection, errors as ports.

No POST is ever retried here: a sale whose answer was lost may still have happened, and the
hub resolves it by order id (``find_sale``) instead of charging again (PAY-15). Every call goes
through the shared vendor limits; failures leave as port errors (INT-6, INT-7).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

import httpx

from adapters.vendors.bng.translate.forms import (
    is_authentication_failure,
    parse_answer,
    parse_query,
)
from adapters.vendors.kit.exchange import VendorHttp, exchange
from application.integrations.ports import (
    ConnectionConfig,
    LimitKey,
    VendorLimitPolicy,
    VendorLimits,
    VendorRejected,
    VendorUnavailable,
)

# BNG publishes no limits: a modest number of calls at once per endpoint, no budget.
BNG_LIMITS = VendorLimitPolicy(concurrent_per_endpoint=10)
TRANSACT = "transact.php"
QUERY = "query.php"
DEFAULT_TIMEOUT = 30.0


class BngClient(VendorHttp):
    """The two endpoints of the gateway; owns its httpx client unless one is given."""

    def __init__(
        self,
        limits: VendorLimits,
        *,
        http: httpx.AsyncClient | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(limits, http=http, timeout=timeout)

    async def transact(
        self, connection: ConnectionConfig, form: Mapping[str, str]
    ) -> dict[str, str]:
        """The form answer of a transaction or vault call; declines are answers, not errors."""
        what = f"{TRANSACT} {form.get('type') or form.get('customer_vault', '')}".strip()
        answer = parse_answer(await self._post(connection, TRANSACT, form), what)
        if is_authentication_failure(answer):
            raise VendorRejected(answer["responsetext"])
        return answer

    async def query(self, connection: ConnectionConfig, form: Mapping[str, str]) -> ET.Element:
        """The ``<nm_response>`` of a Query API call."""
        return parse_query(await self._post(connection, QUERY, form))

    async def _post(
        self, connection: ConnectionConfig, endpoint: str, form: Mapping[str, str]
    ) -> str:
        url = f"{connection.base_url.rstrip('/')}/api/{endpoint}"
        data = {"security_key": connection.credentials.get("security_key", ""), **form}
        hint = "; it may still have happened: look it up by its order id"
        response = await exchange(
            lambda: self._http.post(url, data=data, timeout=self._timeout),
            limits=self._limits,
            key=LimitKey(connection.connection_id, endpoint),
            policy=BNG_LIMITS,
            vendor="BNG",
            what=endpoint,
            timeout=self._timeout,
            timeout_hint=hint if endpoint == TRANSACT else "",
        )
        return _body(response, endpoint)


def _body(response: httpx.Response, endpoint: str) -> str:
    """The text of a 2xx; NMI answers declines and errors with 200, so others are transport."""
    status = response.status_code
    if 200 <= status < 300:
        return response.text
    message = f"BNG answered {endpoint} with HTTP {status} {response.reason_phrase}"
    if 400 <= status < 500 and status != 408:
        raise VendorRejected(message, status=status)
    raise VendorUnavailable(message, status=status)
