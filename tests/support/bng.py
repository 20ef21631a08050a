"""What the BNG tests share: a connection to the sandbox, and the browser's tokenization step.

The hub never handles card or account numbers (PAY-8); here the test plays the browser, posting
them to the sandbox's tokenizer the way Collect.js would, and hands the hub only the token.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.sandboxes.bng.app import SANDBOX_SECURITY_KEY, create_bng_sandbox
from adapters.sandboxes.bng.store import BngStore
from adapters.sandboxes.kit.base import Faults
from application.billing.ports import BillingContact
from application.integrations.ports import ConnectionConfig
from domain.integrations.connection import System
from tests.support.sandboxes import RunningSandbox, sandbox_connection, serve_sandbox

VISA = "4111111111111111"
MASTERCARD = "5431111111111111"
AMEX = "341111111111111"
DISCOVER = "6011601160116611"
TEST_CARDS = (VISA, MASTERCARD, AMEX, DISCOVER)
ECHECK_ABA = "123123123"
ECHECK_ACCOUNT = "123123123"
CONTACT = BillingContact("Jane", "Doe", company="Contoso Ltd", email="jane@contoso.example")


def bng_connection(base_url: str, *, security_key: str = SANDBOX_SECURITY_KEY) -> ConnectionConfig:
    return sandbox_connection(System.BNG, base_url, {"security_key": security_key})


@dataclass(frozen=True)
class BngSandbox(RunningSandbox):
    @property
    def store(self) -> BngStore:
        assert isinstance(self.runtime.state, BngStore)
        return self.runtime.state


def running_sandbox(
    faults: Faults | None = None, **options: Any
) -> AbstractContextManager[BngSandbox]:
    return serve_sandbox(BngSandbox, create_bng_sandbox, faults, **options)


async def tokenize_card(base_url: str, number: str = VISA, *, ccexp: str = "1230") -> str:
    """Collect.js in the browser: the card goes to the gateway, a token comes back."""
    return await _tokenize(base_url, {"ccnumber": number, "ccexp": ccexp, "cvv": "999"})


async def tokenize_check(base_url: str, account: str = ECHECK_ACCOUNT) -> str:
    fields = {"checkaba": ECHECK_ABA, "checkaccount": account, "checkname": "Jane Doe"}
    return await _tokenize(base_url, fields)


async def _tokenize(base_url: str, fields: dict[str, str]) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{base_url}/token", json=fields)
    response.raise_for_status()
    token: str = response.json()["token"]
    return token
