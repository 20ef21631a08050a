"""The demo's view of the vendor sandboxes (``adapters/sandboxes/mount.py`` mounts them).

A new tenant's connections point at them by default, so the hub runs end to end with no vendor
account; pointing a connection at the vendor is a change of base URL and credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from adapters.sandboxes.bng.tokenizer import TOKENIZATION_KEY
from adapters.sandboxes.mount import SANDBOXES as MOUNTED
from adapters.sandboxes.mount import create_sandboxes_app, sandbox_handlers
from application.integrations.connections import NewConnection
from domain.integrations.connection import System

__all__ = ["create_sandboxes_app", "sandbox_handlers"]


@dataclass(frozen=True)
class Sandbox:
    """Where a vendor's sandbox is mounted, and the credentials it accepts by default."""

    system: System
    name: str
    path: str
    credentials: Mapping[str, str]
    issued: Mapping[str, str] = field(default_factory=dict)  # the sandbox's OAuth grant
    settings: Mapping[str, object] = field(default_factory=dict)

    def connection(self, server: str, *, under: str = "") -> NewConnection:
        """A connection to this sandbox on ``server``; ``under``: a sub-path (one company)."""
        return NewConnection(
            system=self.system,
            name=self.name,
            base_url=f"{server}{self.path}{under}",
            credentials=self.credentials,
            issued=self.issued,
            settings=dict(self.settings),
        )


# The BNG sandbox's browser tokenizer takes its public key (the portal's pages carry it).
_SETTINGS: Mapping[System, Mapping[str, object]] = {
    System.BNG: {"tokenization_key": TOKENIZATION_KEY},
    # ConnectWise starts with every sync off (CW-1): the demo turns on all it has; a quote's
    # owner is no member of the sandbox, so the default employee owns its opportunities.
    System.CONNECTWISE: {
        "push_organizations": True,
        "pull_organizations": True,
        "sync_opportunities": True,
        "sync_products": True,
        "new_quote": {"default_employee": "asmith"},
    },
}
_BY_SYSTEM = {
    System(m.system): Sandbox(
        System(m.system),
        m.name,
        m.path,
        m.credentials,
        m.issued,
        _SETTINGS.get(System(m.system), {}),
    )
    for m in MOUNTED
}
AUTOTASK = _BY_SYSTEM[System.AUTOTASK]
BNG = _BY_SYSTEM[System.BNG]
QUICKBOOKS = _BY_SYSTEM[System.QUICKBOOKS]
KASEYA = _BY_SYSTEM[System.KASEYA_BMS]
CONNECTWISE = _BY_SYSTEM[System.CONNECTWISE]
AUTOTASK_PATH, BNG_PATH, QUICKBOOKS_PATH, KASEYA_PATH = (
    s.path for s in (AUTOTASK, BNG, QUICKBOOKS, KASEYA)
)
# The demo tenant's connections. Kaseya BMS is mounted but not among them: the demo's PSA is
# Autotask, one PSA is enabled at a time (PAY-10) and a new connection starts enabled, so a
# Kaseya one would be refused. ``KASEYA.connection(server)`` connects it once Autotask is off;
# ``q2c demo connectwise`` switches the demo's PSA to ConnectWise (``cli/demo.py``).
SANDBOXES = (AUTOTASK, BNG, QUICKBOOKS)
