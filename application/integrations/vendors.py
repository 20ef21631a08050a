"""What a vendor offers the hub, and the registries the hub derives from a list of vendors.

A vendor package (``adapters/vendors/<system>/``) exports one factory: given what every vendor
shares (``VendorKit``), it builds its ``VendorModule``: its settings policy, its deliverers by
message kind, its puller and connection tester, and whatever roles it plays (a PSA's quoting,
the accounting system, the payment gateway). The composition root keeps one list of these
factories; ``Vendors`` turns the built modules into every registry the hub uses, so adding a
vendor is one line there. The hub's own deliverers over a role (a quote push over any PSA's
quoting, an invoice push over the accounting system) are added by the composition root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from application.billing.ports import AccountingSystem, PaymentGateway
from application.integrations.ports import (
    Authorizer,
    ConnectionTester,
    Deliverer,
    ExternalLinks,
    IssuedCredentials,
    Puller,
    SettingChoices,
    SettingsPolicy,
    VendorLimits,
)
from application.quotes.ports import PsaQuoting
from domain.integrations.connection import System

T = TypeVar("T")


@dataclass(frozen=True)
class VendorKit:
    """What every vendor is built with: the shared limits and links, the call timeout, and
    where a system's issued credentials (rotated OAuth tokens) are kept."""

    limits: VendorLimits
    links: ExternalLinks
    timeout: float = 10.0
    credentials: IssuedCredentials | None = None


@dataclass(frozen=True)
class VendorModule:
    """One vendor as the hub sees it; ``closers`` close what it opened (its HTTP clients)."""

    system: System
    settings: SettingsPolicy[object]
    tester: ConnectionTester
    deliverers: Mapping[str, Deliverer] = field(default_factory=dict)  # by message kind
    puller: Puller | None = None
    quoting: PsaQuoting | None = None
    accounting: AccountingSystem | None = None
    gateway: PaymentGateway | None = None
    authorizer: Authorizer | None = None  # a system an admin connects through its OAuth page
    choices: SettingChoices | None = None  # a system whose settings name its own look-ups
    closers: Sequence[Callable[[], Awaitable[None]]] = ()


VendorFactory = Callable[[VendorKit], VendorModule]


class NoVendor(LookupError):
    """No vendor plays a role the hub was asked to use (a gateway, an accounting system)."""


class Vendors:
    """Every registry the hub needs, derived from the built vendor modules."""

    def __init__(self, modules: Sequence[VendorModule]) -> None:
        systems = [m.system for m in modules]
        if len(set(systems)) != len(systems):
            raise ValueError(f"a vendor is registered twice: {systems}")
        self.modules = tuple(modules)

    def deliverers(self) -> dict[tuple[System, str], Deliverer]:
        return {(m.system, kind): d for m in self.modules for kind, d in m.deliverers.items()}

    def testers(self) -> dict[System, ConnectionTester]:
        return {m.system: m.tester for m in self.modules}

    def pullers(self) -> dict[System, Puller]:
        return {m.system: m.puller for m in self.modules if m.puller is not None}

    def quoting(self) -> dict[System, PsaQuoting]:
        return {m.system: m.quoting for m in self.modules if m.quoting is not None}

    def authorizers(self) -> dict[System, Authorizer]:
        return {m.system: m.authorizer for m in self.modules if m.authorizer is not None}

    def choices(self) -> dict[System, SettingChoices]:
        return {m.system: m.choices for m in self.modules if m.choices is not None}

    def settings(self) -> dict[System, SettingsPolicy[object]]:
        return {m.system: m.settings for m in self.modules}

    def accounting(self) -> dict[System, AccountingSystem]:
        return {m.system: m.accounting for m in self.modules if m.accounting is not None}

    def the_accounting_system(self) -> AccountingSystem:
        return _one(self.accounting(), "accounting system")

    def the_gateway(self) -> PaymentGateway:
        return _one(
            {m.system: m.gateway for m in self.modules if m.gateway is not None}, "payment gateway"
        )

    async def aclose(self) -> None:
        """Close every client the vendors opened (on shutdown)."""
        for module in self.modules:
            for close in module.closers:
                await close()


def _one(found: Mapping[System, T], role: str) -> T:
    """The one vendor playing ``role`` (one gateway and one accounting system today, PAY-10)."""
    if len(found) != 1:
        raise NoVendor(f"expected one {role} among the vendors, found {sorted(found)}")
    return next(iter(found.values()))
