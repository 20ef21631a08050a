"""The gateway's browser tokenizer, in the style of NMI's Collect.js, at the gateway's paths.

A merchant page loads ``{gateway}/token/Collect.js`` with ``data-tokenization-key`` (the public
tokenization key, never the private security key) and calls ``CollectJS.configure({fields,
callback})``: each card or account field becomes an iframe of the gateway's own origin
(``/token/frame/<field>``), so the page never sees a number. ``CollectJS.startPaymentRequest()``
asks the frames for their values; they post them to ``/token/collect`` with the key and hand
the page only the one-use ``payment_token``, the card's brand and its masked number. The
merchant's server then vaults the token (``customer_vault=add_customer&payment_token=…``).

The script and the frame's page are files of this package (``tokenizer_assets/``), written for
this sandbox: NMI's own script is not copied.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

TOKENIZATION_KEY = "q2c-sandbox-bng-public-tokenization-key"  # public: pages carry it
FIELDS = {
    "ccnumber": ("Card number", "cc-number", "numeric", "1234 1234 1234 1234"),
    "ccexp": ("Expiry (MM/YY)", "cc-exp", "numeric", "MM / YY"),
    "cvv": ("Security code", "cc-csc", "numeric", "CVV"),
    "checkname": ("Name on the account", "name", "text", ""),
    "checkaba": ("Routing number", "off", "numeric", ""),
    "checkaccount": ("Account number", "off", "numeric", ""),
}
_ASSETS = Path(__file__).parent / "tokenizer_assets"
_JS = "application/javascript; charset=utf-8"
_HTML = "text/html; charset=utf-8"

Tokenize = Callable[[Mapping[str, str]], tuple[str, str, str]]  # (token, kind, brand)


def masked(number: str, *, shown_first: int) -> str:
    """``411111******1111`` for a card (its first six and last four), ``*****6789`` else."""
    digits = "".join(ch for ch in number if ch.isdigit())
    hidden = max(len(digits) - shown_first - 4, 0)
    return digits[:shown_first] + "*" * hidden + digits[-4:]


def tokenizer_routes(
    tokenize: Tokenize, refusal: type[Exception], key: str = TOKENIZATION_KEY
) -> list[ControllerRouterHandler]:
    """``tokenize``: the card or account's fields to (token, kind, brand), or ``refusal``."""

    @get("/token/Collect.js", media_type=_JS)
    async def collect_js() -> Response[bytes]:
        return Response((_ASSETS / "collect.js").read_bytes(), media_type=_JS)

    @get("/token/frame/{field:str}", media_type=_HTML)
    async def frame(field: FromPath[str]) -> Response[bytes]:
        if field not in FIELDS:
            return Response(b"unknown field", status_code=404, media_type=_HTML)
        label, autocomplete, inputmode, placeholder = FIELDS[field]
        page = (_ASSETS / "frame.html").read_text()
        page = page.replace("{{field}}", field).replace("{{label}}", escape(label))
        page = page.replace("{{autocomplete}}", autocomplete).replace("{{inputmode}}", inputmode)
        page = page.replace("{{placeholder}}", escape(placeholder))
        return Response(page.encode(), media_type=_HTML, headers={"Cache-Control": "no-store"})

    @post("/token/collect", status_code=200)
    async def collect(request: Request[Any, Any, Any]) -> Response[Any]:
        data = await request.json()
        if not isinstance(data, dict) or not secrets.compare_digest(
            str(data.get("tokenization_key", "")).encode(), key.encode()
        ):
            return Response({"error": "Invalid tokenization key"}, status_code=401)
        fields = {name: str(data.get(name, "")) for name in FIELDS}
        try:
            token, kind, brand = tokenize(fields)
        except refusal as refused:
            return Response({"error": str(refused)}, status_code=400)
        answer: dict[str, Any] = {"token": token, "tokenType": "inline"}
        if kind == "card":
            number = masked(fields["ccnumber"], shown_first=6)
            answer["card"] = {"number": number, "type": brand}
        else:
            number = masked(fields["checkaccount"], shown_first=0)
            answer["check"] = {"name": fields["checkname"], "account": number}
        return Response(answer)

    return [collect_js, frame, collect]
