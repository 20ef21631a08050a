"""A document's Content-Disposition is a valid header whatever its number holds (review: an
en dash in a QuickBooks DocNumber made the portal's invoice PDF a 500)."""

from __future__ import annotations

import pytest

from entrypoints.http.downloads import inline


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("invoice-1001.pdf", "invoice-1001.pdf"),
        ("invoice-INV\u20131.pdf", "invoice-INV-1.pdf"),
        ('quote-Q"1; x=y.pdf', "quote-Q-1-x-y.pdf"),
        ("quote-\u00e9t\u00e9/2026\r\n.pdf", "quote--t-2026-.pdf"),
    ],
)
def test_the_header_is_latin_1_and_keeps_the_whole_name(name: str, plain: str) -> None:
    header = inline(name)
    header.encode("latin-1")  # a header Starlette and uvicorn can send
    assert header.startswith(f"inline; filename=\"{plain}\"; filename*=UTF-8''")
    assert "\r" not in header
    assert "\n" not in header
    assert header.count('"') == 2
