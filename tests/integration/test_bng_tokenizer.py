"""The BNG sandbox's browser tokenizer at the gateway's path shape (PAY-8): Collect.js, the
field frames, and a one-use token for the public tokenization key only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from adapters.sandboxes.bng.tokenizer import TOKENIZATION_KEY
from adapters.vendors.bng.gateway import BngGateway
from tests.support.autotask import UnlimitedLimits
from tests.support.bng import CONTACT, VISA, BngSandbox, bng_connection, running_sandbox
from tests.support.timeouts import HONEST_ANSWER_SECONDS


@pytest.fixture
def sandbox() -> Iterator[BngSandbox]:
    with running_sandbox() as running:
        yield running


async def test_collect_js_and_its_frames_are_served_at_the_gateways_paths(
    sandbox: BngSandbox,
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        script = await http.get("/token/Collect.js")
        frame = await http.get("/token/frame/ccnumber")
        unknown = await http.get("/token/frame/password")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "CollectJS" in script.text
    assert "startPaymentRequest" in script.text
    assert frame.status_code == 200
    assert 'name="ccnumber"' in frame.text
    assert 'aria-label="Card number"' in frame.text
    assert unknown.status_code == 404


async def test_the_frames_post_give_a_token_for_the_public_key_only(sandbox: BngSandbox) -> None:
    card = {"ccnumber": VISA, "ccexp": "12/30", "cvv": "123"}
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        refused = await http.post("/token/collect", json={**card, "tokenization_key": "wrong"})
        bad = await http.post(
            "/token/collect",
            json={"ccnumber": "4111111111111112", "tokenization_key": TOKENIZATION_KEY},
        )
        made = await http.post(
            "/token/collect", json={**card, "tokenization_key": TOKENIZATION_KEY}
        )
    assert refused.status_code == 401
    assert bad.status_code == 400
    assert made.status_code == 200
    answer = made.json()
    assert answer["card"] == {"number": "411111******1111", "type": "visa"}
    assert VISA not in made.text
    gateway = BngGateway(UnlimitedLimits(), timeout=HONEST_ANSWER_SECONDS)
    try:
        method = await gateway.add_method(
            bng_connection(sandbox.url), payment_token=answer["token"], contact=CONTACT
        )
    finally:
        await gateway.aclose()
    assert (method.brand, method.last4) == ("visa", "1111")
