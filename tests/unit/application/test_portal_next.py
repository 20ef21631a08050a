"""The sign-in form's ``next``: only a relative path of the portal's pages (PAY-13)."""

from __future__ import annotations

import pytest

from application.identity.portal_access import PORTAL_HOME, portal_next, sign_in_url


@pytest.mark.parametrize(
    "page",
    [
        "/portal/invoices/01a24aa3-87bc-7122-9f1c-c54255e42d60/pay",
        "/portal/payments/01a24aa3-87bc-7122-9f1c-c54255e42d60",
        "/portal/quotes",
        "/portal/invoices?status=open",
    ],
)
def test_a_page_of_the_portal_is_honoured(page: str) -> None:
    assert portal_next(page) == page


@pytest.mark.parametrize(
    "path",
    [
        "",
        "https://evil.example/portal/invoices",
        "http:/portal/invoices",
        "//evil.example/portal/",
        "/portal//evil.example",
        "/\\evil.example",
        "/portal/\\evil.example",
        "javascript:alert(1)",
        "/portal/v1",
        "/portal/v1/",
        "/portal/v1/invoices",
        "/portal/../v1/invoices",
        "/portal/./v1",
        "/portal/%2e%2e/v1",
        "/portal/quotes\r\nLocation: //evil.example",
        " /portal/quotes",
        "/portal",
        "/v1/invoices",
        "/portal/a@evil.example",
    ],
)
def test_anything_else_lands_on_the_invoices(path: str) -> None:
    assert portal_next(path) == PORTAL_HOME


def test_a_sign_in_url_carries_its_next_page_checked() -> None:
    base = "https://hub.example/"
    assert sign_in_url(base, "t.k.s") == "https://hub.example/portal/sign-in?token=t.k.s"
    assert sign_in_url(base, "t.k.s", "/portal/quotes").endswith("?token=t.k.s&next=/portal/quotes")
    assert sign_in_url(base, "t.k.s", "//evil.example").endswith("&next=/portal/invoices")
