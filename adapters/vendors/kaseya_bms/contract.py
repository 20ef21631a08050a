"""The Kaseya BMS API 2.0 operations the hub uses: method, path template, and whether Kaseya
publishes them.

Paths are written exactly as Kaseya's published OpenAPI file writes them (``contracts/
kaseya_bms_openapi.json``, 349 paths). Five calls the hub needs are not in that file (creating
and changing a quotation, listing and deleting a quotation's line items, creating a product): they
are marked ``published=False`` here, so the sandbox can serve them, and ``unpublished.py``
declares their shapes, probes them and says what the hub does on an instance without them. The
client, the sandbox and the contract tests share this table; the contract test fails if a
published operation is missing from the file or an unpublished one appears there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the template, e.g. /v2/crm/opportunities/{id}
    published: bool = True  # False: not in Kaseya's published spec (see the module docstring)
    enveloped: bool = True  # False: the spec answers the bare DTO, not {Success, Error, Result}

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, base: str, **params: int | str) -> str:
        """The operation's URL under ``base`` (the connection's base URL), its path filled in."""

        def fill(match: re.Match[str]) -> str:
            return quote(str(params[match.group(1)]), safe="")

        return f"{base.rstrip('/')}{_PARAM.sub(fill, self.path)}"


# Security: tokens (multipart forms, no bearer).
AUTHENTICATE = Operation("POST", "/v2/security/authenticate")
REFRESH_TOKEN = Operation("POST", "/v2/security/refreshtoken")
USER_INFO = Operation("GET", "/v2/security/userinfo")  # the API user: the default owner

# CRM: accounts, contacts, opportunities.
ACCOUNTS = Operation("GET", "/v2/crm/accounts/summary")
ACCOUNT = Operation("GET", "/v2/crm/accounts/summary/{id}", enveloped=False)
CREATE_ACCOUNT = Operation("POST", "/v2/crm/accounts")
CONTACTS = Operation("GET", "/v2/crm/contacts/summary")
CREATE_CONTACT = Operation("POST", "/v2/crm/contacts/summary")
OPPORTUNITIES = Operation("GET", "/v2/crm/opportunities")
CREATE_OPPORTUNITY = Operation("POST", "/v2/crm/opportunities")
OPPORTUNITY = Operation("GET", "/v2/crm/opportunities/{id}")
UPDATE_OPPORTUNITY = Operation("PUT", "/v2/crm/opportunities/{id}")
OPPORTUNITY_STATUSES = Operation("GET", "/v2/crm/opportunities/statuses/Lookup")

# CRM: service quotations and their line items.
QUOTES = Operation("GET", "/v2/crm/quotes/summary")
QUOTE = Operation("GET", "/v2/crm/quotes/{quotationId}")
CREATE_QUOTE = Operation("POST", "/v2/crm/quotes", published=False)
UPDATE_QUOTE = Operation("PUT", "/v2/crm/quotes/{quotationId}", published=False)
LINE_ITEMS = Operation("GET", "/v2/crm/quotes/{quotationId}/lineItems", published=False)
LINE_ITEM = Operation("GET", "/v2/crm/quotes/{quotationId}/lineItems/{lineItemId}")
ADD_LINE_ITEM = Operation(
    "POST", "/v2/crm/quotes/{quotationId}/lineItems/{itemTypeId}/{distributerTypeId}"
)
UPDATE_LINE_ITEM = Operation("PUT", "/v2/crm/quotes/{quotationId}/lineItems/{lineItemId}")
DELETE_LINE_ITEM = Operation(
    "DELETE", "/v2/crm/quotes/{quotationId}/lineItems/{lineItemId}", published=False
)

# Inventory and finance: products (no prices, KBMS-9), services (priced), warehouses, lookups.
PRODUCTS = Operation("GET", "/v2/inventory/products/searchselect")
CREATE_PRODUCT = Operation("POST", "/v2/inventory/products", published=False)
SERVICES = Operation("POST", "/v2/admin/finance/services/search")
CREATE_SERVICE = Operation("POST", "/v2/admin/finance/services/services")
WAREHOUSES = Operation("GET", "/v2/inventory/warehouses/lookup")
LOOKUP = Operation("GET", "/v2/system/lookup/{tableName}")

# System: attachments (multipart ``formFile``).
ATTACHMENTS = Operation("GET", "/v2/system/attachments/{moduleId}/{objectId}")
UPLOAD_ATTACHMENT = Operation("POST", "/v2/system/attachments/{moduleId}/{objectId}")
DELETE_ATTACHMENT = Operation(
    "DELETE", "/v2/system/attachments/{moduleId}/{objectId}/{attachmentId}"
)

OPERATIONS: tuple[Operation, ...] = (
    AUTHENTICATE,
    REFRESH_TOKEN,
    USER_INFO,
    ACCOUNTS,
    ACCOUNT,
    CREATE_ACCOUNT,
    CONTACTS,
    CREATE_CONTACT,
    OPPORTUNITIES,
    CREATE_OPPORTUNITY,
    OPPORTUNITY,
    UPDATE_OPPORTUNITY,
    OPPORTUNITY_STATUSES,
    QUOTES,
    QUOTE,
    CREATE_QUOTE,
    UPDATE_QUOTE,
    LINE_ITEMS,
    LINE_ITEM,
    ADD_LINE_ITEM,
    UPDATE_LINE_ITEM,
    DELETE_LINE_ITEM,
    PRODUCTS,
    CREATE_PRODUCT,
    SERVICES,
    CREATE_SERVICE,
    WAREHOUSES,
    LOOKUP,
    ATTACHMENTS,
    UPLOAD_ATTACHMENT,
    DELETE_ATTACHMENT,
)
NOT_IN_SPEC: tuple[Operation, ...] = tuple(op for op in OPERATIONS if not op.published)

NO_DISTRIBUTOR = 0  # ``distributerTypeId`` of an item of the tenant's own catalog
# Kaseya publishes no numbering of the attachment modules, nor the name of the item types'
# look-up table: both are the connection's settings (``settings.py``).


def endpoint_of(path: str) -> str | None:
    """The operation template a concrete path belongs to, for per-endpoint limits.

    Kaseya counts its hourly budget per endpoint; anything under ``/v2/`` the table does not
    know counts as its own path. Paths outside ``/v2/`` (the sandbox's controls) are not API.
    """
    at = path.find("/v2/")
    if at < 0:
        return None
    rest = path[at:].rstrip("/")
    for template, pattern in _patterns():
        if pattern.fullmatch(rest):
            return template
    return rest


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Fixed segments first, so /statuses/Lookup is not taken for /{id}.
    templates = sorted({op.path for op in OPERATIONS}, key=lambda p: p.count("{"))
    return tuple((t, re.compile(_PARAM.sub(r"[^/]+", t), re.IGNORECASE)) for t in templates)
