"""Every file a page of the hub loads is served by the hub itself: no CDN, so the API docs
(``/schema``) and the portal work on a network without the internet.

The files come from locked PyPI dependencies (``uv.lock``), never pasted into the repository:
Swagger UI's dist from ``swagger-ui-bundle-v2``, htmx from ``django-htmx`` (its Django side is
neither installed nor imported), and the portal's own stylesheet and scripts from
``portal_pages/static``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

STATIC = "/static"
SWAGGER = f"{STATIC}/swagger-ui"
HTMX = f"{STATIC}/htmx"
PORTAL = f"{STATIC}/portal"
HTMX_JS = f"{HTMX}/htmx-2.min.js"

_HTMX_DIR = Path(str(files("django_htmx") / "static" / "django_htmx"))
_PORTAL_DIR = Path(__file__).parent / "portal_pages" / "static"


def asset_routers() -> list[Router]:
    """Read-only, cached a day by browsers (the paths carry no version, so not longer)."""
    cache = CacheControlHeader(max_age=86_400, public=True)
    return [
        create_static_files_router(path, [directory], name=name, cache_control=cache)
        for path, directory, name in (
            (SWAGGER, Path(str(swagger_ui_path)), "swagger-ui"),
            (HTMX, _HTMX_DIR, "htmx"),
            (PORTAL, _PORTAL_DIR, "portal-static"),
        )
    ]
