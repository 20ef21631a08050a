"""Callbacks the sandbox sends on change, as ConnectWise does (``contracts/connectwise.md`` §7.6).

A callback entry (``POST /system/callbacks``: ``url``, ``objectId``, ``type``, ``level``) of
type ``company`` or ``contact`` makes every later change of such a record (an API write, or a
record made through the control route, as a ConnectWise user would) post ConnectWise's payload
to its ``url``: ``Action`` (added, updated, deleted), ``Type``, ``ID``, ``Entity`` (the record
as a JSON string), ``MessageId``, ``CompanyId`` and ``Metadata.key_url``. As DG says: a 5 s
timeout, retried on 404, 409, 419 and 429 twice (after 2 s, then 4 s); sent in the background,
never holding up the write's answer.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

CALLBACKS = "system/callbacks"
TYPES = {"company/companies": "company", "company/contacts": "contact"}
RETRIED = frozenset({404, 409, 419, 429})
RETRY_AFTER = (2.0, 4.0)
_SENDING: set[asyncio.Task[None]] = set()  # kept until done: a task nobody holds may vanish


def notify(
    entries: Mapping[int, Mapping[str, Any]],
    path: str,
    *,
    action: str,
    record: Mapping[str, Any] | None,
    record_id: int,
    company_id: str,
) -> None:
    """Post the change to every active callback entry of its type, in the background."""
    kind = TYPES.get(path)
    urls = [
        str(e["url"])
        for e in entries.values()
        if kind is not None
        and str(e.get("type", "")).casefold() == kind
        and not e.get("inactiveFlag")
    ]
    if not urls:
        return
    payload = {
        "Action": action,
        "Type": kind,
        "ID": record_id,
        "Entity": None if record is None else json.dumps(record),
        "MessageId": str(uuid.uuid4()),
        "CompanyId": company_id,
        "Metadata": {"key_url": f"/system/callbackkey/index.rails?companyName={company_id}"},
    }
    body = json.dumps(payload).encode()
    loop = asyncio.get_running_loop()
    for url in urls:
        task = loop.create_task(_send(url, body))
        _SENDING.add(task)
        task.add_done_callback(_SENDING.discard)


async def _send(url: str, body: bytes) -> None:
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(timeout=5.0) as http:
        for wait in (0.0, *RETRY_AFTER):
            await asyncio.sleep(wait)
            try:
                answer = await http.post(url, content=body, headers=headers)
            except httpx.HTTPError:
                return  # DG retries only the statuses it names
            if answer.status_code not in RETRIED:
                return
