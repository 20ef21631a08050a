"""A portal session (the key a sign-in link is exchanged for) expires on the server, on every
persistence family: past ``expires_at`` it is refused exactly as a signed-out one is."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from application.identity.portal_access import has_portal_access
from domain.identity.access import PORTAL_SESSION_LIFETIME
from tests.contract.repositories.conftest import World
from tests.support.clock import FixedClock
from tests.support.factories import NOW


async def test_a_portal_session_expires_on_the_server(world: World) -> None:
    identity = world.stack.identity
    world.stack.core.clock.override(FixedClock(NOW))
    try:
        sent = await identity.invite_portal_contact()(world.tenant, world.contact.id, "test")
        token = sent.link.partition("token=")[2]
        session = await identity.sign_in_with_invitation()(token)
        assert session.key.expires_at == NOW + PORTAL_SESSION_LIFETIME
        found = await world.stack.persistence.directory().find_api_key(session.key.prefix)
        assert found is not None
        assert found.key.expires_at == NOW + PORTAL_SESSION_LIFETIME  # stored, read back

        last = NOW + PORTAL_SESSION_LIFETIME - timedelta(seconds=1)
        world.stack.core.clock.override(FixedClock(last))
        principal = await identity.authenticate()(session.plaintext)
        assert principal is not None
        assert principal.contact_id == world.contact.id

        world.stack.core.clock.override(FixedClock(NOW + PORTAL_SESSION_LIFETIME))
        assert await identity.authenticate()(session.plaintext) is None
    finally:
        world.stack.core.clock.reset_override()


async def test_signing_out_revokes_the_session_on_the_server(world: World) -> None:
    identity = world.stack.identity
    sent = await identity.invite_portal_contact()(world.tenant, world.contact.id, "test")
    session = await identity.sign_in_with_invitation()(sent.link.partition("token=")[2])
    principal = await identity.authenticate()(session.plaintext)
    assert principal is not None
    await identity.revoke_api_key()(world.tenant, principal.key_id)
    found = await world.stack.persistence.directory().find_api_key(session.key.prefix)
    assert found is not None
    assert found.key.revoked_at is not None
    assert await identity.authenticate()(session.plaintext) is None


async def test_a_link_used_twice_at_once_signs_in_once(
    world: World, request: pytest.FixtureRequest
) -> None:
    """Review: on PostgreSQL two sign-ins with one link at once both read it unused and both
    got a session. The link is redeemed once, whatever the timing: the row is locked for it.
    SQLite (the embedded demo database) takes no row locks; there it is left alone."""
    if "sqlite" in request.node.name:
        pytest.skip("SQLite takes no row locks: a conditional update would be the mend there")
    identity = world.stack.identity
    sent = await identity.invite_portal_contact()(world.tenant, world.contact.id, "test")
    token = sent.link.partition("token=")[2]
    sign_in = identity.sign_in_with_invitation()
    results = await asyncio.gather(*(sign_in(token) for _ in range(4)), return_exceptions=True)
    sessions = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(sessions) == 1, results
    for error in refused:
        with pytest.raises(Exception, match=r"used already|someone else changed"):
            raise error


async def test_a_contacts_invitations_and_keys_are_found_by_contact(world: World) -> None:
    # PAY-13: whom an email may sign in (has_portal_access) is read from these, on every family.
    identity = world.stack.identity
    other = world.new_contact("Grace", "Hopper")
    await world.save(other)
    async with world.uow() as uow:
        assert not await has_portal_access(uow, world.contact.id, NOW)
    sent = await identity.invite_portal_contact()(world.tenant, world.contact.id, "key:staff")
    issued = await identity.issue_portal_token()(world.tenant, other.id)
    async with world.uow() as uow:
        (found,) = await uow.portal_invitations.of_contact(world.contact.id)
        assert (found.id, found.invited_by) == (sent.invitation.id, "key:staff")
        assert found.expires_at == sent.invitation.expires_at  # stored, read back
        assert await uow.portal_invitations.of_contact(other.id) == []
        assert [k.id for k in await uow.api_keys.of_contact(other.id)] == [issued.key.id]
        assert await uow.api_keys.of_contact(world.contact.id) == []
        assert await has_portal_access(uow, world.contact.id, NOW)
        assert await has_portal_access(uow, other.id, NOW)
