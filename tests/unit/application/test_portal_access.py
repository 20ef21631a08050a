"""Portal tokens, the portal's organization scope and payment settings over the in-memory fakes."""

from __future__ import annotations

import pytest

from application.billing.payments import TakePaymentCommand
from application.billing.portal import PortalBilling
from application.billing.settings import ChangePaymentSettings, NoGateway, SettingsChange
from application.identity.use_cases import Authenticate, IssuePortalToken
from application.shared.errors import NotFound
from domain.billing.methods import Environment, MethodKind
from domain.crm.contact import Contact
from domain.crm.organization import OrganizationId
from domain.identity.access import Role
from domain.shared.errors import DomainError
from entrypoints.containers import Container
from tests.support.billing import Billing, billing
from tests.support.factories import NOW, new_tenant, organization


@pytest.fixture
async def setup(memory_container: Container) -> Billing:
    return await billing(memory_container)


async def contact(b: Billing) -> Contact:
    async with b.container.persistence.uow()(b.tenant) as uow:
        found: Contact = await uow.contacts.get(b.contact)
    return found


async def test_a_portal_token_authenticates_as_its_contacts_organization(setup: Billing) -> None:
    issue: IssuePortalToken = setup.container.identity.issue_portal_token()
    authenticate: Authenticate = setup.container.identity.authenticate()
    issued = await issue(setup.tenant, setup.contact)
    principal = await authenticate(issued.plaintext)
    assert principal is not None
    assert principal.role == Role.PORTAL
    assert principal.contact_id == setup.contact
    assert principal.organization_id == (await contact(setup)).organization_id


async def test_a_deactivated_contacts_token_stops_working(setup: Billing) -> None:
    issued = await setup.container.identity.issue_portal_token()(setup.tenant, setup.contact)
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        (await uow.contacts.get(setup.contact)).deactivate(NOW)
        await uow.commit()
    assert await setup.container.identity.authenticate()(issued.plaintext) is None


async def test_another_tenant_issues_no_token_for_the_contact(
    setup: Billing, memory_container: Container
) -> None:
    other = await new_tenant(memory_container)
    with pytest.raises(NotFound):
        await memory_container.identity.issue_portal_token()(other.tenant.id, setup.contact)


async def test_the_portal_does_not_pay_another_organizations_invoice(setup: Billing) -> None:
    invoice = await setup.invoice("10.00")
    async with setup.container.persistence.uow()(setup.tenant) as uow:
        elsewhere = organization(setup.tenant, "Elsewhere")
        await uow.organizations.add(elsewhere)
        await uow.commit()
    command = TakePaymentCommand(
        invoice_id=invoice,
        method_id=setup.method,
        contact_id=setup.contact,
        environment=Environment.PORTAL,
        idempotency_key="k",
        actor=f"portal:{setup.contact}",
        organization_id=elsewhere.id,
    )
    with pytest.raises(NotFound):
        await setup.take(setup.tenant, command)
    assert not setup.gateway.sales
    portal = PortalBilling(setup.container.billing.queries())
    with pytest.raises(NotFound):
        await portal.invoice(setup.tenant, OrganizationId(elsewhere.id), invoice)


async def test_settings_take_only_the_gateways_kinds(setup: Billing) -> None:  # PAY-8
    change: ChangePaymentSettings = setup.container.billing.change_payment_settings()
    changed = await change(
        setup.tenant,
        SettingsChange(
            staff_methods=frozenset({"card"}), portal_methods=frozenset(), refund_at_gateway=True
        ),
    )
    assert (changed.policy.staff, changed.policy.portal) == (
        frozenset({MethodKind.CARD}),
        frozenset(),
    )
    with pytest.raises(DomainError) as caught:
        await change(
            setup.tenant,
            SettingsChange(
                staff_methods=frozenset({"wire"}),
                portal_methods=frozenset(),
                refund_at_gateway=False,
            ),
        )
    assert (caught.value.rule, caught.value.field) == ("PAY-8", "methods.staff")


async def test_no_settings_without_a_gateway(memory_container: Container) -> None:  # PAY-10
    tenant = (await new_tenant(memory_container)).tenant.id
    change: ChangePaymentSettings = memory_container.billing.change_payment_settings()
    with pytest.raises(NoGateway):
        await change(
            tenant,
            SettingsChange(
                staff_methods=frozenset(), portal_methods=frozenset(), refund_at_gateway=False
            ),
        )
