"""The BNG payment gateway (the NMI Payment API): the vendor module the hub registers."""

from __future__ import annotations

from adapters.vendors.bng.gateway import BngGateway
from adapters.vendors.bng.settings import bng_settings_policy
from adapters.vendors.bng.sync import BngConnectionTester
from application.integrations.vendors import VendorKit, VendorModule
from domain.integrations.connection import System


def module(kit: VendorKit) -> VendorModule:
    """BNG: cards and eChecks vaulted and charged, refunds, settlements (PAY-2..10)."""
    gateway = BngGateway(kit.limits, timeout=kit.timeout)
    tester = BngConnectionTester(kit.limits, timeout=kit.timeout)
    return VendorModule(
        system=System.BNG,
        settings=bng_settings_policy(),
        tester=tester,
        gateway=gateway,
        closers=(gateway.aclose, tester.aclose),
    )
