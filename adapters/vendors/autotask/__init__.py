"""Datto Autotask PSA over its REST API: the vendor module the hub registers."""

from __future__ import annotations

from adapters.vendors.autotask.client import AutotaskClients
from adapters.vendors.autotask.quoting import AutotaskQuoting
from adapters.vendors.autotask.settings import autotask_settings_policy
from adapters.vendors.autotask.sync import (
    AutotaskConnectionTester,
    AutotaskInvoicePaid,
    AutotaskOrganizationPush,
    AutotaskPuller,
    AutotaskTicketOpen,
)
from application.integrations.vendors import VendorKit, VendorModule
from domain.integrations.connection import System


def module(kit: VendorKit) -> VendorModule:
    """Autotask: organizations both ways, records and invoices pulled, quotes (AT-1..10)."""
    clients = AutotaskClients(kit.limits, timeout=kit.timeout)
    deliverers = (
        AutotaskOrganizationPush(clients, kit.links),
        AutotaskTicketOpen(clients, kit.links),
        AutotaskInvoicePaid(clients, kit.links),
    )
    return VendorModule(
        system=System.AUTOTASK,
        settings=autotask_settings_policy(),
        tester=AutotaskConnectionTester(clients),
        deliverers={d.kind: d for d in deliverers},
        puller=AutotaskPuller(clients),
        quoting=AutotaskQuoting(clients, kit.links),
        closers=(clients.aclose,),
    )
