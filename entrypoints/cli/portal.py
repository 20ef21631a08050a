"""``q2c portal invite``: email a contact a sign-in link to the client portal's pages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any

import click
import httpx

from application.crm.ports import ContactFilter
from application.crm.queries import CrmQueries
from application.identity.portal_access import InvitePortalContact
from application.integrations.pulls import SyncNow
from application.notifications.sender import SendNotifications
from application.shared.pagination import PageRequest
from domain.crm.contact import Contact
from domain.identity.tenant import TenantId
from entrypoints.containers import Container
from entrypoints.settings import Settings

Opened = Callable[[Settings], AbstractAsyncContextManager[Container]]
Run = Callable[[Callable[[], Coroutine[Any, Any, str]]], str]


def portal_group(opened: Opened, run: Run) -> click.Group:
    @click.group("portal")
    def group() -> None:
        """The client portal's pages (/portal/)."""

    @group.command("invite")
    @click.argument("email", required=False)
    @click.option("--tenant", "tenant_name", default="Demo MSP", show_default=True)
    @click.option(
        "--demo-client",
        is_flag=True,
        help="first give the demo's Autotask sandbox a client with a contact and an invoice, and "
        "sync (needs `q2c serve` running on Q2C_HOST:Q2C_PORT)",
    )
    @click.pass_obj
    def invite(settings: Settings, email: str | None, tenant_name: str, demo_client: bool) -> None:
        """Email EMAIL's contact (else the tenant's first contact with an email) a sign-in
        link, and print it: it works once, for 7 days. The mail is in ``q2c mailbox list``."""

        async def work() -> str:
            async with opened(settings) as container:
                found = await container.persistence.directory().find_tenant(tenant_name)
                if found is None:
                    raise click.ClickException(f"no tenant named {tenant_name!r}")
                wanted = await _demo_client(container, settings, found.id) if demo_client else email
                contact = await _contact(container.crm.queries(), found.id, wanted)
                invite_contact: InvitePortalContact = container.identity.invite_portal_contact()
                sent = await invite_contact(found.id, contact.id, invited_by="cli")
                sender: SendNotifications = container.billing.notifications()
                await sender.round()  # into the mailbox now, not at the worker's next round
                return (
                    f"invited {contact.full_name} <{sent.to_address}>; sign-in link:\n{sent.link}"
                )

        click.echo(run(work))

    return group


DEMO_EMAIL = "nancy@northwind.example"


async def _demo_client(container: Container, settings: Settings, tenant_id: TenantId) -> str:
    """A company, its billing contact and an invoice in the Autotask sandbox of the running hub
    (as Autotask's billing would make them), then a sync; the running hub's worker pulls them
    and has QuickBooks number the invoice. Returns the contact's email once it is here."""
    from adapters.sandboxes.autotask.app import SANDBOX_CREDENTIALS

    base = f"{settings.base_url}/sandbox/autotask"
    headers = {
        "UserName": SANDBOX_CREDENTIALS["username"],
        "Secret": SANDBOX_CREDENTIALS["secret"],
        "ApiIntegrationCode": SANDBOX_CREDENTIALS["integration_code"],
    }
    rest = f"{base}/atservicesrest/v1.0"
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        try:
            company = await http.post(
                f"{rest}/Companies",
                json={
                    "companyName": "Northwind Traders",
                    "phone": "555-0199",
                    "ownerResourceID": 1,
                },
            )
        except httpx.TransportError:
            raise click.ClickException(
                f"no hub answers at {settings.base_url}: start `q2c serve`"
            ) from None
        company_id = company.raise_for_status().json()["itemId"]
        contact = {
            "firstName": "Nancy",
            "lastName": "Davolio",
            "emailAddress": DEMO_EMAIL,
            "isActive": 1,
        }
        (
            await http.post(f"{rest}/Companies/{company_id}/Contacts", json=contact)
        ).raise_for_status()
        invoice = {
            "companyID": company_id,
            "invoiceNumber": f"AT-{company_id}001",
            "invoiceDateTime": "2026-11-01T00:00:00",
            "dueDate": "2026-12-01T00:00:00",
            "invoiceTotal": 1250.4,
            "comments": "November managed services",
        }
        (await http.post(f"{base}/_sandbox/autotask/invoices", json=invoice)).raise_for_status()
    sync_now: SyncNow = container.integrations.sync_now()
    queries: CrmQueries = container.crm.queries()
    for _ in range(60):  # the running hub's scheduler runs the jobs
        await sync_now(tenant_id)
        await asyncio.sleep(2)
        page = await queries.contacts(
            tenant_id, ContactFilter(search=DEMO_EMAIL), PageRequest.parse(1, None)
        )
        if page.items:
            return DEMO_EMAIL
    raise click.ClickException("the demo client did not arrive: is `q2c serve` running?")


async def _contact(queries: CrmQueries, tenant_id: TenantId, email: str | None) -> Contact:
    where = ContactFilter(active=True, search=email)
    page = await queries.contacts(tenant_id, where, PageRequest.parse(100, None))
    for contact in page.items:
        if contact.email and (email is None or contact.email.lower() == email.lower()):
            return contact
    wanted = f"with the email {email}" if email else "with an email address"
    raise click.ClickException(
        f"no active contact {wanted}: start `q2c serve` and let it sync the demo's PSA first"
    )
