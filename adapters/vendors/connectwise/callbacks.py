"""What a ConnectWise callback says (``contracts/connectwise.md`` §7.6, CW-8).

ConnectWise posts ``{"Action": "added|updated|deleted", "Type": "company", "ID": 57961,
"Entity": "<the record as a JSON string>", …}`` to a callback entry's URL. The hub reads only
``Type``, to know which pull to request: the record itself is read again from ConnectWise by
that pull (as DJC does), so nothing in the payload is trusted.
"""

from __future__ import annotations

from application.integrations.appliers import CONTACT, ORGANIZATION

# A callback entry's ``type`` → the hub's entity its pull brings in.
CALLBACK_ENTITIES = {"company": ORGANIZATION, "contact": CONTACT}


def pulled_entity(callback_type: str | None) -> str | None:
    """The hub's entity a callback of this ``Type`` changes, or None for one it does not pull."""
    return CALLBACK_ENTITIES.get((callback_type or "").strip().casefold())
