"""The portal's pages over the real app: a contact invited by email signs in with the link."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.notifications.mailbox import LocalMailbox
from application.notifications.sender import SendNotifications
from entrypoints.containers import Container
from tests.e2e.conftest import TenantKeys, started_app, tenant_with_keys
from tests.e2e.test_portal_api import another_organization
from tests.support.billing import Billing, FakeGateway, billing

Client = AsyncTestClient[Litestar]
LINK = re.compile(r"https?://\S+/portal/sign-in\?token=(\S+)")
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Pages:
    client: Client
    keys: TenantKeys
    own: Billing
    other: Billing
    mailbox: LocalMailbox
    app_container: Container

    async def send_due(self) -> None:
        """Send what the notification loop would."""
        sender: SendNotifications = self.app_container.billing.notifications()
        await sender.round()

    async def mailed_token(self, to: str = "pat@payer.test") -> str:
        """The newest sign-in link mailed to ``to``."""
        await self.send_due()
        mails = [m for m in self.mailbox.messages() if m.to == to and "sign-in" in m.subject]
        found = LINK.search(mails[-1].text)
        assert found is not None, mails[-1].text
        return found.group(1)

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        found = CSRF.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    async def invite(self, contact: object | None = None) -> str:
        contact = contact or self.own.contact
        sent = await self.client.post(
            f"/v1/contacts/{contact}/portal-invitations", headers=self.keys.headers()
        )
        assert sent.status_code == 201, sent.text
        return await self.mailed_token()

    async def sign_in(self, token: str) -> None:
        csrf = await self.csrf(f"/portal/sign-in?token={token}")
        signed = await self.client.post(
            "/portal/sign-in", data={"token": token, "_csrf_token": csrf}
        )
        assert signed.status_code == 303, signed.text
        assert signed.headers["location"] == "/portal/invoices"


@pytest.fixture
async def pages(
    database_url: str, container: Container, gateway: FakeGateway, tmp_path: Path
) -> AsyncIterator[Pages]:
    keys = await tenant_with_keys(container)
    own = await billing(container, tenant=keys.tenant_id)
    other = await another_organization(own)
    async with started_app(database_url, gateway, mailbox=tmp_path) as (client, app_container):
        client.follow_redirects = False
        yield Pages(client, keys, own, other, LocalMailbox(tmp_path), app_container)
