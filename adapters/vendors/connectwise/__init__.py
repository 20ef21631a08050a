"""ConnectWise PSA (Manage) over its REST API: the vendor module the hub registers."""

from __future__ import annotations

from adapters.vendors.connectwise.client import ConnectWiseClients
from adapters.vendors.connectwise.lookups import ConnectWiseChoices
from adapters.vendors.connectwise.quoting import ConnectWiseQuoting
from adapters.vendors.connectwise.settings import connectwise_settings_policy
from adapters.vendors.connectwise.sync import (
    ConnectWiseConnectionTester,
    ConnectWiseOrganizationPush,
    ConnectWisePuller,
)
from application.integrations.vendors import VendorKit, VendorModule
from domain.integrations.connection import System


def module(kit: VendorKit) -> VendorModule:
    """ConnectWise: the connection, organizations both ways, quotes to opportunities with
    their product items and PDF, catalog items by MPN (CW-1, CW-2, CW-4, CW-7, BSS-1..3)."""
    clients = ConnectWiseClients(kit.limits, timeout=kit.timeout)
    deliverers = (ConnectWiseOrganizationPush(clients, kit.links),)
    return VendorModule(
        system=System.CONNECTWISE,
        settings=connectwise_settings_policy(),
        tester=ConnectWiseConnectionTester(clients),
        deliverers={d.kind: d for d in deliverers},
        puller=ConnectWisePuller(clients),
        quoting=ConnectWiseQuoting(clients, kit.links),
        choices=ConnectWiseChoices(clients),
        closers=(clients.aclose,),
    )
