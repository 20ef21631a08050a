"""Kaseya BMS (API 2.0) over its REST API: the vendor module the hub registers."""

from __future__ import annotations

from adapters.vendors.kaseya_bms.client import KaseyaClients
from adapters.vendors.kaseya_bms.quoting import KaseyaQuoting
from adapters.vendors.kaseya_bms.settings import kaseya_settings_policy
from adapters.vendors.kaseya_bms.sync import KaseyaConnectionTester
from application.integrations.vendors import VendorKit, VendorModule
from domain.integrations.connection import System


def module(kit: VendorKit) -> VendorModule:
    """Kaseya BMS: quotes as service quotations on opportunities (KBMS-1..9)."""
    clients = KaseyaClients(kit.limits, timeout=kit.timeout)
    return VendorModule(
        system=System.KASEYA_BMS,
        settings=kaseya_settings_policy(),
        tester=KaseyaConnectionTester(clients),
        quoting=KaseyaQuoting(clients, kit.links),
        closers=(clients.aclose,),
    )
