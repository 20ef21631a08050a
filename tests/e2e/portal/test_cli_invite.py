"""`q2c portal invite`: the demo's one command, whose email and printed link sign a contact in."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from click.testing import CliRunner

from adapters.notifications.mailbox import LocalMailbox
from domain.crm.contact import Contact, ContactProfile
from domain.crm.organization import ContactId
from domain.shared.ids import new_id
from entrypoints.cli.main import cli
from entrypoints.containers import build_container
from entrypoints.settings import Settings
from tests.support.factories import NOW, organization

LINK = re.compile(r"http://127\.0\.0\.1:8000/portal/sign-in\?token=\S+")


async def _a_contact(settings: Settings) -> None:
    container = build_container(settings)
    tenant = await container.persistence.directory().find_tenant("Demo MSP")
    assert tenant is not None
    async with container.persistence.uow()(tenant.id) as uow:
        org = organization(tenant.id, "Client Co")
        await uow.organizations.add(org)
        await uow.commit()
    async with container.persistence.uow()(tenant.id) as uow:
        profile = ContactProfile(first_name="Cleo", last_name="Client", email="cleo@client.test")
        contact = Contact(
            id=ContactId(new_id()),
            tenant_id=tenant.id,
            organization_id=org.id,
            profile=profile,
            now=NOW,
        )
        await uow.contacts.add(contact)
        await uow.commit()
    await container.persistence.probe().close()


def test_portal_invite_mails_and_prints_a_sign_in_link(tmp_path: Path) -> None:
    env = {
        "Q2C_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "Q2C_MAILBOX_DIR": str(tmp_path / "mail"),
        "Q2C_LOG_FORMAT": "json",
    }
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"], env=env).exit_code == 0
    assert runner.invoke(cli, ["tenant", "create", "Demo MSP"], env=env).exit_code == 0
    nobody = runner.invoke(cli, ["portal", "invite"], env=env)
    assert nobody.exit_code != 0
    assert "no active contact" in nobody.output
    asyncio.run(_a_contact(Settings.from_env(env)))
    invited = runner.invoke(cli, ["portal", "invite"], env=env)
    assert invited.exit_code == 0, invited.output
    printed = LINK.search(invited.output)
    assert printed is not None, invited.output
    mails = LocalMailbox(tmp_path / "mail").messages()
    assert [m.to for m in mails] == ["cleo@client.test"]
    assert printed.group(0) in mails[0].text
