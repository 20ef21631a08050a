"""What the hub and ConnectWise PSA's REST API say to each other, shared with the sandbox.

ConnectWise's vocabulary both sides must spell the same (``contracts/connectwise.md``): the
company-info look-up, the versioned API root, the headers of every call, how a moment and a
string are written inside ``conditions``, the error envelope's codes, and the message of the
500 that a timed-out write answers.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime

API_VERSION = "2025.1"  # the model version the hub pins (Accept header)
ACCEPT = f"application/vnd.connectwise.com+json; version={API_VERSION}"
COMPANY_INFO = "login/companyinfo"  # GET {site}/login/companyinfo/{companyId}, no auth
API_ROOT = "apis/3.0"  # {site}/{codebase}apis/3.0/…
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 25
TIMEOUT_MESSAGE = "A timeout has occured. Please try again."  # sic, ConnectWise's spelling
INVALID_OBJECT = "InvalidObject"
BAD_CONDITION = "ApiFindCondition"
COMMUNICATION_TYPES = ("Phone", "Email", "Mobile", "Fax")  # BSS-2's four items


def basic_auth(company_id: str, public_key: str, private_key: str) -> str:
    """``Authorization`` of every call: ``Basic base64(company+public:private)``."""
    raw = f"{company_id}+{public_key}:{private_key}".encode()
    return f"Basic {base64.b64encode(raw).decode()}"


def api_headers(credentials: Mapping[str, str]) -> dict[str, str]:
    """The headers of every API call, for a connection's credentials."""
    return {
        "Authorization": basic_auth(
            credentials.get("company_id", ""),
            credentials.get("public_key", ""),
            credentials.get("private_key", ""),
        ),
        "clientId": credentials.get("client_id", ""),
        "Accept": ACCEPT,
    }


def api_time(moment: datetime) -> str:
    """A moment as the hub sends one: UTC, whole seconds, ``Z`` (naive means UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def quoted(value: str) -> str:
    """A string inside ``conditions``: in double quotes, a quote inside escaped as ``\\"``."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shared_link(external_id: str, entity_id: object) -> str:
    """An external id several hub entities link to (a catalog item many lines use, an
    opportunity a quote was linked to): the hub keeps each external id once per kind of link,
    so the linking entity's id is added to make it its own."""
    return f"{external_id}@{entity_id}"


def linked_id(stored: str) -> int:
    """The ConnectWise id of a link ``shared_link`` made (or of a plain one)."""
    return int(stored.split("@", 1)[0])
