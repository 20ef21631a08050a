"""Every file the hub's pages load comes from the hub: /schema renders on an offline network."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.e2e.conftest import Client


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value and tag in {"script", "link", "img"}:
                self.urls.append(value)


def loaded_by(html: str) -> list[str]:
    parser = _Urls()
    parser.feed(html)
    return parser.urls


async def test_the_api_docs_load_only_the_hubs_own_files(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    urls = loaded_by(page.text)
    assert len(urls) >= 3  # the stylesheet, the bundle, the preset (and the icon)
    assert all(url.startswith("/static/") for url in urls), urls
    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in urls:
        served = await client.get(url)
        assert served.status_code == 200, url
        expected = next(kind for suffix, kind in kinds.items() if url.endswith(suffix))
        assert expected in served.headers["content-type"], url
        assert len(served.content) > 100


async def test_htmx_is_served_by_the_hub(client: Client) -> None:
    served = await client.get("/static/htmx/htmx-2.min.js")
    assert served.status_code == 200
    assert "javascript" in served.headers["content-type"]
    assert b"htmx" in served.content[:2000]
    assert (await client.get("/static/htmx/nothing-here.js")).status_code == 404
