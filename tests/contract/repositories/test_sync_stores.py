"""The stores beside the unit of work on every family: the outbox as the worker sees it, sync
errors, external links, sync jobs, the notification queue, the payment watchlist (INT-4..6)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

import pytest

from application.integrations.messages import QuotePush
from application.integrations.outbox import NewOutboxMessage
from application.integrations.ports import OutboxMessage
from application.integrations.sync_errors import SyncErrorFilter
from application.shared.pagination import PageRequest
from domain.billing import ledger
from domain.shared.ids import new_id
from tests.contract.repositories.conftest import World
from tests.support.factories import NOW

LEASE = 30.0


pytestmark = pytest.mark.usefixtures("alone")


def message(w: World, aggregate: UUID, n: int) -> NewOutboxMessage:
    """The ``n``-th message about ``aggregate`` (a quote's revision ``n``)."""
    return NewOutboxMessage(
        connection_id=w.psa.id,
        aggregate_type="quote",
        aggregate_id=aggregate,
        body=QuotePush(quote_id=aggregate, revision=n),
    )


def n(m: OutboxMessage) -> int:
    body = m.body
    assert isinstance(body, QuotePush)
    return body.revision


async def write(w: World, *messages: NewOutboxMessage, commit: bool = True) -> None:
    async with w.uow() as uow:
        for m in messages:
            await uow.outbox.add(m)
        if commit:
            await uow.commit()


async def test_claims_take_committed_messages_oldest_first_one_per_aggregate(
    world: World,
) -> None:  # INT-5
    queue = world.stack.persistence.outbox()
    a, b = new_id(), new_id()
    await write(world, message(world, a, 1), message(world, b, 2), message(world, a, 3))
    await write(world, message(world, b, 9), commit=False)
    assert await queue.pending() == 3
    claimed = await queue.claim("w1", 10, LEASE)
    assert [(m.aggregate_id, n(m)) for m in claimed] == [(a, 1), (b, 2)]
    assert claimed[0].tenant_id == world.tenant
    assert claimed[0].payload == {"quote_id": str(a), "revision": 1}  # stored as encoded
    assert await queue.claim("w2", 10, LEASE) == []  # leased, and a's next waits for its first
    assert await queue.extend("w1", [m.id for m in claimed], LEASE) == {m.id for m in claimed}
    assert await queue.extend("w2", [m.id for m in claimed], LEASE) == set()
    await queue.complete("w1", claimed[:1])
    assert [n(m) for m in await queue.claim("w2", 10, LEASE)] == [3]
    assert await queue.pending() == 2


async def test_a_lapsed_lease_comes_back_and_a_retry_waits(world: World) -> None:  # INT-6
    queue = world.stack.persistence.outbox()
    await write(world, message(world, new_id(), 1))
    (first,) = await queue.claim("crashed", 10, -1.0)  # its lease has run out already
    (again,) = await queue.claim("w2", 10, LEASE)
    assert again.id == first.id
    await queue.retry("crashed", again, NOW, "not mine to retry")  # ignored: w2 holds it
    assert await queue.claim("w3", 10, LEASE) == []
    later = world.stack.core.clock().now() + timedelta(hours=1)
    await queue.retry("w2", again, later, "503 from the vendor")
    assert await queue.claim("w3", 10, LEASE) == []  # not due before ``later``
    assert await queue.pending() == 1


async def test_a_failed_message_is_one_sync_error_retried_then_resolved(
    world: World, elsewhere: World
) -> None:  # INT-6, CW-8
    queue, errors = world.stack.persistence.outbox(), world.stack.persistence.sync_errors()
    org = new_id()
    await write(world, message(world, org, 1))
    (claimed,) = await queue.claim("w1", 10, LEASE)
    await queue.fail("w1", claimed, "Autotask: the phone is too long")
    assert await queue.pending() == 0
    (error,) = await errors.list(world.tenant, SyncErrorFilter(), PageRequest())
    assert (error.outbox_id, error.entity_id, error.status, error.attempts) == (
        claimed.id,
        org,
        "open",
        1,
    )
    assert error.message == "Autotask: the phone is too long"
    assert await errors.list(elsewhere.tenant, SyncErrorFilter(), PageRequest()) == []
    assert await errors.get(elsewhere.tenant, error.id) is None
    assert not await queue.requeue(elsewhere.tenant, claimed.id)
    assert await queue.requeue(world.tenant, claimed.id)
    assert not await queue.requeue(world.tenant, claimed.id)  # pending again already
    (retried,) = await queue.claim("w2", 10, LEASE)
    assert (retried.id, retried.attempts) == (claimed.id, 0)
    await queue.fail("w2", retried, "Autotask: still too long")
    (again,) = await errors.list(world.tenant, SyncErrorFilter(), PageRequest())
    assert (again.id, again.attempts, again.message) == (error.id, 2, "Autotask: still too long")
    await write(world, message(world, org, 2))
    await queue.complete("w3", await queue.claim("w3", 10, LEASE))
    assert await errors.list(world.tenant, SyncErrorFilter(), PageRequest()) == []
    resolved = await errors.get(world.tenant, error.id)
    assert resolved is not None
    assert resolved.status == "resolved"


async def test_sync_errors_filter_and_dismiss(world: World) -> None:  # INT-6
    queue, errors = world.stack.persistence.outbox(), world.stack.persistence.sync_errors()
    first, second = new_id(), new_id()
    await write(world, message(world, first, 1), message(world, second, 2))
    for claimed in await queue.claim("w1", 10, LEASE):
        await queue.fail("w1", claimed, f"refused {n(claimed)}")
    listed = await errors.list(world.tenant, SyncErrorFilter(), PageRequest(limit=1))
    assert len(listed) == 2  # limit + 1
    assert listed[0].id < listed[1].id
    page = await errors.list(world.tenant, SyncErrorFilter(), PageRequest(after=listed[0].id))
    assert [e.id for e in page] == [listed[1].id]
    mine = await errors.list(world.tenant, SyncErrorFilter(entity_id=second), PageRequest())
    assert [e.message for e in mine] == ["refused 2"]
    await errors.set_status(world.tenant, mine[0].id, "dismissed")
    assert [
        e.entity_id for e in await errors.list(world.tenant, SyncErrorFilter(), PageRequest())
    ] == [first]
    dismissed = SyncErrorFilter(status="dismissed", connection_id=world.psa.id)
    assert [e.id for e in await errors.list(world.tenant, dismissed, PageRequest())] == [mine[0].id]
    other_kind = SyncErrorFilter(kind="organization.push")
    assert await errors.list(world.tenant, other_kind, PageRequest()) == []
    this_kind = SyncErrorFilter(kind="quote.push")
    assert [e.entity_id for e in await errors.list(world.tenant, this_kind, PageRequest())] == [
        first
    ]


async def test_an_external_id_links_one_entity_per_connection(world: World) -> None:  # INT-4
    links = world.stack.persistence.link_store()
    first, second = new_id(), new_id()
    await links.link(world.psa.id, "organization", first, "AT-29683")
    await links.link(world.psa.id, "organization", first, "AT-99999")  # linked already: kept
    await links.link(world.psa.id, "organization", second, "AT-29683")  # taken: refused
    assert await links.find(world.psa.id, "organization", first) == "AT-29683"
    assert await links.find(world.psa.id, "organization", second) is None
    assert await links.find(world.psa.id, "contact", first) is None
    assert await links.find_entity(world.psa.id, "organization", "AT-29683") == first
    assert await links.find_entity(world.psa.id, "organization", "AT-99999") is None
    cached = world.stack.persistence.links()
    assert await cached.find(world.psa.id, "organization", first) == "AT-29683"


async def test_sync_jobs_one_open_per_entity_then_incremental(world: World) -> None:  # PAY-12
    jobs = world.stack.persistence.jobs()
    job = await jobs.request(world.tenant, world.psa.id, "organization", full=False)
    assert (job.full, job.status, job.changed_since) == (True, "requested", None)  # first: all
    same = await jobs.request(world.tenant, world.psa.id, "organization", full=False)
    assert same.id == job.id
    claimed = await jobs.claim("runner", LEASE, job.id)
    assert claimed is not None
    assert claimed.status == "running"
    assert await jobs.claim("other", LEASE, job.id) is None  # leased
    await jobs.checkpoint(claimed, "runner", "page-2", 50)
    await jobs.checkpoint(claimed, "other", "page-9", 7)  # not its lease: ignored
    done = await jobs.finish(claimed, "runner", error=None, failed=False)
    assert (done.status, done.checkpoint, done.records) == ("done", "page-2", 50)
    assert done.finished_at is not None
    later = await jobs.request(world.tenant, world.psa.id, "organization", full=False)
    assert (later.full, later.changed_since) == (False, job.created_at)  # what changed since
    assert [j.id for j in await jobs.recent(world.tenant, 10)] == [later.id, job.id]
    assert await jobs.recent(world.tenant, 1) == [later]


async def test_a_sync_asked_for_while_its_pull_runs_is_queued_behind_it(world: World) -> None:
    """PAY-12, INT-4: "sync now" while a pull runs wants the changes made since that pull read
    past them; the schedule does not (one running is enough). One job waits at most, and it
    waits until the running pull ends: two pulls of one entity never run at once."""
    jobs = world.stack.persistence.jobs()
    first = await jobs.request(world.tenant, world.psa.id, "ticket", full=True)
    running = await jobs.claim("runner", LEASE, first.id)
    assert running is not None
    scheduled = await jobs.request(world.tenant, world.psa.id, "ticket", full=False)
    assert scheduled.id == first.id
    queued = await jobs.request(world.tenant, world.psa.id, "ticket", full=False, again=True)
    assert (queued.id != first.id, queued.status) == (True, "requested")
    again = await jobs.request(world.tenant, world.psa.id, "ticket", full=False, again=True)
    assert again.id == queued.id
    assert await jobs.claim("other", LEASE, queued.id) is None  # its entity's pull still runs
    await jobs.finish(running, "runner", error=None, failed=False)
    taken = await jobs.claim("other", LEASE, queued.id)
    assert taken is not None
    assert (taken.id, taken.status) == (queued.id, "running")
    assert (taken.full, taken.changed_since) == (False, first.created_at)  # since that began


async def test_callbacks_arriving_together_queue_one_pull_behind_the_running_one(
    world: World,
) -> None:
    """Review: each of several "sync now" at once saw a running pull and no waiting one, and
    each queued its own. One waits behind the running pull, however many ask at once."""
    jobs = world.stack.persistence.jobs()
    first = await jobs.request(world.tenant, world.psa.id, "tickets-at-once", full=True)
    assert await jobs.claim("runner", LEASE, first.id) is not None
    asked = await asyncio.gather(
        *(
            jobs.request(world.tenant, world.psa.id, "tickets-at-once", full=False, again=True)
            for _ in range(5)
        )
    )
    assert len({job.id for job in asked}) == 1
    assert asked[0].id != first.id


async def test_a_pull_whose_runner_died_is_resumed_not_queued_behind(world: World) -> None:
    """PAY-12: "sync now" for a pull whose runner died (its lease ran out) resumes that pull
    from its checkpoint; it is claimed before anything queued behind it."""
    jobs = world.stack.persistence.jobs()
    first = await jobs.request(world.tenant, world.psa.id, "contact", full=True)
    assert await jobs.claim("crashed", -1.0, first.id) is not None  # its lease already over
    again = await jobs.request(world.tenant, world.psa.id, "contact", full=False, again=True)
    assert again.id == first.id
    resumed = await jobs.claim("runner", LEASE, first.id)
    assert resumed is not None
    assert (resumed.id, resumed.status) == (first.id, "running")


async def test_a_lapsed_job_lease_comes_back(world: World) -> None:
    jobs = world.stack.persistence.jobs()
    job = await jobs.request(world.tenant, world.psa.id, "contract", full=True)
    assert (await jobs.claim("crashed", -1.0, job.id)) is not None
    taken = await jobs.claim("runner", LEASE, job.id)
    assert taken is not None
    failed = await jobs.finish(taken, "runner", error="Autotask: 401", failed=True)
    assert (failed.status, failed.error) == ("failed", "Autotask: 401")


async def test_notifications_leased_to_one_sender_and_saved_by_it(world: World) -> None:
    # PAY-13
    queue = world.stack.persistence.notification_queue()
    note = world.notification("Payment received")
    await world.save(note)
    claimed = [n for n in await queue.claim("s1", 1000, LEASE) if n.tenant_id == world.tenant]
    assert [n.id for n in claimed] == [note.id]
    assert [n for n in await queue.claim("s2", 1000, LEASE) if n.tenant_id == world.tenant] == []
    claimed[0].sent(NOW)
    await queue.save(claimed[0], "s2")  # not its lease: ignored
    expired = [n for n in await queue.claim("s3", 1000, -1.0) if n.tenant_id == world.tenant]
    assert expired == []  # still s1's
    await queue.save(claimed[0], "s1")
    assert [n for n in await queue.claim("s4", 1000, LEASE) if n.tenant_id == world.tenant] == []


async def test_a_notification_that_failed_for_now_comes_back_when_due(world: World) -> None:
    queue = world.stack.persistence.notification_queue()
    note = world.notification()
    await world.save(note)
    (claimed,) = [n for n in await queue.claim("s1", 1000, LEASE) if n.id == note.id]
    claimed.failed_for_now("421 try later", world.stack.core.clock().now() - timedelta(hours=2))
    await queue.save(claimed, "s1")
    (again,) = [n for n in await queue.claim("s2", 1000, LEASE) if n.id == note.id]
    assert (again.attempts, again.error) == (1, "421 try later")


async def test_the_watchlist_names_tenants_with_money_in_flight(
    world: World, elsewhere: World
) -> None:  # PAY-6, PAY-7
    watchlist = world.stack.persistence.payment_watchlist()
    invoice = world.invoice("30.00")
    payment = world.payment(invoice, "30.00")
    await world.save(invoice)
    await world.save(payment)
    assert world.tenant in await watchlist.tenants_with_payments_in_flight()
    assert elsewhere.tenant not in await watchlist.tenants_with_payments_in_flight()
    async with world.uow() as uow:
        found = await uow.payments.get(payment.id)
        ledger.declined(
            await uow.invoices.get(invoice.id), found, message="DECLINE", code="200", now=NOW
        )
        await uow.commit()
    assert world.tenant not in await watchlist.tenants_with_payments_in_flight()


async def test_a_pulled_page_reads_in_bulk_and_keeps_its_links_and_checkpoint_only_if_committed(
    world: World, elsewhere: World
) -> None:  # PAY-12, INT-4: what a page applies, links and checkpoints is one transaction
    jobs = world.stack.persistence.jobs()
    job = await jobs.claim(
        "runner",
        LEASE,
        (await jobs.request(world.tenant, world.psa.id, "organization", full=True)).id,
    )
    assert job is not None
    links = [("organization", world.org.id, "AT-1"), ("contact", world.contact.id, "AT-2")]
    async with world.uow() as uow:  # never committed: nothing of it is kept
        await uow.links.add(world.psa.id, links)
        await uow.sync_jobs.checkpoint(job.id, "runner", "page-1", 3, NOW)
    async with world.uow() as uow:
        assert await uow.links.linked(world.psa.id, "organization", ["AT-1"]) == {}
        await uow.links.add(world.psa.id, links)
        await uow.sync_jobs.checkpoint(job.id, "runner", "page-2", 5, NOW + timedelta(hours=1))
        await uow.sync_jobs.checkpoint(job.id, "other", "page-9", 7, NOW)  # not its lease
        await uow.commit()
    other, stranger = new_id(), elsewhere.org.id
    async with world.uow() as uow:
        found = await uow.links.linked(world.psa.id, "organization", ["AT-1", "AT-3"])
        assert found == {"AT-1": world.org.id}
        # Linked already on either side: left as it is, not an error.
        await uow.links.add(
            world.psa.id, [("organization", other, "AT-1"), ("organization", world.org.id, "AT-9")]
        )
        await uow.commit()
        organizations = await uow.organizations.get_many([world.org.id, stranger])
        assert list(organizations) == [world.org.id]  # another tenant's is not found
        assert list(await uow.contacts.get_many([world.contact.id])) == [world.contact.id]
    async with elsewhere.uow() as uow:
        assert await uow.links.linked(world.psa.id, "organization", ["AT-1"]) == {}
    store = world.stack.persistence.link_store()
    assert await store.find_entity(world.psa.id, "organization", "AT-1") == world.org.id
    assert await store.find_entity(world.psa.id, "contact", "AT-2") == world.contact.id
    assert await store.find(world.psa.id, "organization", other) is None
    done = await jobs.finish(job, "runner", error=None, failed=False)
    assert (done.checkpoint, done.records) == ("page-2", 5)


async def test_the_external_ids_of_hub_ids_come_back_in_one_read(
    world: World, elsewhere: World
) -> None:  # INT-4, BSS-1: what a pulled organization refers to, linked on this connection or not
    links = [("organization", world.org.id, "CW-1"), ("contact", world.contact.id, "CW-2")]
    async with world.uow() as uow:
        await uow.links.add(world.psa.id, links)
        await uow.commit()
    both = [world.org.id, world.contact.id, new_id()]  # the last one linked nowhere
    async with world.uow() as uow:
        found = await uow.links.external_ids(world.psa.id, "organization", both)
        assert found == {world.org.id: "CW-1"}  # of its entity type only
        found = await uow.links.external_ids(world.psa.id, "contact", both)
        assert found == {world.contact.id: "CW-2"}
        assert await uow.links.external_ids(elsewhere.psa.id, "organization", both) == {}
        assert await uow.links.external_ids(world.psa.id, "organization", []) == {}
    async with elsewhere.uow() as uow:  # another tenant's links are not found
        assert await uow.links.external_ids(world.psa.id, "organization", both) == {}
