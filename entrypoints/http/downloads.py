"""The ``Content-Disposition`` of a document the hub serves, whatever its number holds.

Numbers come from people and vendors (QuickBooks' DocNumber takes an en dash, a quote, a
slash): a header is Latin-1 and a quote ends the filename, so the plain ``filename`` is folded
to safe ASCII and the whole name goes in ``filename*`` (RFC 6266, RFC 5987) for clients that
read it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def inline(filename: str) -> str:
    """``inline`` with the file's name, safe in a header whatever characters it has."""
    folded = _UNSAFE.sub("-", filename).strip("-.") or "document"
    return f"inline; filename=\"{folded}\"; filename*=UTF-8''{quote(filename, safe='')}"
