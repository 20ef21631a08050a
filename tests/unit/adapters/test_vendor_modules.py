"""Every vendor the hub registers passes the same conformance checks (DESIGN "Vendors").

Run over ``entrypoints/vendors.py``'s list, so a new vendor is checked the moment it is added:
its package has the skeleton's files, its settings' defaults pass its own checks (INT-3), its
connection tester tests (INT-2), each deliverer takes a message kind the hub writes, every
PSA that quotes implements the quoting port, and what it opened closes.
"""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import is_dataclass
from pathlib import Path
from typing import Any

import pytest

from application.billing.ports import AccountingSystem, PaymentGateway
from application.integrations.messages import MESSAGE_CLASSES, MESSAGE_KINDS
from application.integrations.ports import ConnectionTester, Deliverer, Puller
from application.integrations.settings import GatewaySettings, HubSwitches
from application.integrations.vendors import VendorKit, VendorModule, Vendors
from application.quotes.ports import PsaQuoting
from domain.integrations.connection import Family
from entrypoints.vendors import VENDORS, build_vendors
from tests.support.autotask import UnlimitedLimits

ROOT = Path(__file__).resolve().parents[3]
SKELETON = ("__init__.py", "client.py", "contract.py", "settings.py", "translate", "sync.py")


class _NoLinks:
    async def find(self, *_: object) -> str | None:
        return None

    async def find_entity(self, *_: object) -> None:
        return None

    async def link(self, *_: object) -> None:
        return None


def _kit() -> VendorKit:
    return VendorKit(UnlimitedLimits(), _NoLinks(), timeout=2.0)


@pytest.fixture(params=VENDORS, ids=lambda make: make.__module__.rsplit(".", 1)[-1])
async def module(request: pytest.FixtureRequest) -> AsyncIterator[VendorModule]:
    built: VendorModule = request.param(_kit())
    yield built
    for close in built.closers:
        await close()


def test_a_vendor_package_is_named_after_its_system_and_has_the_skeleton(
    module: VendorModule,
) -> None:
    folder = ROOT / "adapters" / "vendors" / module.system.value
    assert folder.is_dir(), f"adapters/vendors/{module.system.value}/"
    missing = [name for name in SKELETON if not (folder / name).exists()]
    assert missing == []
    sandbox = ROOT / "adapters" / "sandboxes" / module.system.value
    assert (sandbox / "app.py").exists(), "its sandbox stands apart, under adapters/sandboxes/"
    if module.quoting is not None:
        assert (folder / "quoting").is_dir()


def test_the_settings_defaults_pass_their_own_checks_int_3(module: VendorModule) -> None:
    defaults = module.settings.defaults()
    module.settings.check(defaults)  # a tenant connected with defaults can save them again
    assert defaults == module.settings.defaults()  # a fresh copy each time


def test_the_roles_are_the_ports(module: VendorModule) -> None:
    assert isinstance(module.tester, ConnectionTester)  # INT-2
    assert all(isinstance(d, Deliverer) for d in module.deliverers.values())
    assert module.puller is None or isinstance(module.puller, Puller)
    assert module.accounting is None or isinstance(module.accounting, AccountingSystem)
    assert module.gateway is None or isinstance(module.gateway, PaymentGateway)
    assert module.quoting is None or isinstance(module.quoting, PsaQuoting)
    if module.quoting is not None:
        assert module.system.family is Family.PSA


def test_each_deliverer_takes_a_kind_the_hub_writes(module: VendorModule) -> None:
    assert set(module.deliverers) <= MESSAGE_KINDS


def _contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found: dict[str, Any] = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == name
    )
    return found


def test_the_import_contracts_keep_the_vendor_and_its_sandbox_in_their_folders(
    module: VendorModule,
) -> None:
    system = module.system.value
    vendor, sandbox = f"adapters.vendors.{system}", f"adapters.sandboxes.{system}"
    assert vendor in _contract("Vendors do not import each other")["modules"]
    assert sandbox in _contract("Sandboxes do not import each other")["modules"]
    own = _contract("A sandbox speaks only its own vendor's contract")["ignore_imports"]
    assert f"{sandbox}.** -> {vendor}.contract" in own


def test_each_deliverer_kind_has_a_message_class_in_the_codec(module: VendorModule) -> None:
    classes = {cls.kind: cls for cls in MESSAGE_CLASSES}
    assert all(classes[kind].kind == kind for kind in module.deliverers)


def test_the_defaults_read_back_as_the_vendors_typed_settings(module: VendorModule) -> None:
    defaults = module.settings.defaults()
    typed = module.settings.read(defaults)
    assert is_dataclass(typed)
    assert not isinstance(typed, type)
    assert module.settings.read({}) == typed  # what is missing comes from the defaults
    assert type(typed).__module__ == f"adapters.vendors.{module.system.value}.settings"


def test_the_hubs_switches_read_from_every_vendors_defaults(module: VendorModule) -> None:
    defaults = module.settings.defaults()
    switches = HubSwitches.read(defaults)
    assert switches.pull_organizations is bool(defaults.get("pull_organizations"))
    assert switches.push_organizations is bool(defaults.get("push_organizations"))
    if module.system.family is Family.PAYMENTS:
        assert GatewaySettings.read(defaults) != GatewaySettings()  # methods on connect


async def test_what_a_vendor_opens_closes_again(module: VendorModule) -> None:
    assert module.closers, "every vendor opens an HTTP client, and says how to close it"
    for close in module.closers:
        await close()  # closing twice is harmless: the fixture closes again


async def test_the_registry_has_one_gateway_one_accounting_system_and_every_deliverer() -> None:
    vendors = build_vendors(_kit())
    try:
        assert isinstance(vendors.the_gateway(), PaymentGateway)
        assert isinstance(vendors.the_accounting_system(), AccountingSystem)
        assert {s for s, _ in vendors.deliverers()} <= {m.system for m in vendors.modules}
        with pytest.raises(ValueError, match="registered twice"):
            Vendors([*vendors.modules, vendors.modules[0]])
    finally:
        await vendors.aclose()
