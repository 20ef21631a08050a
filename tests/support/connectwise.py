"""What the ConnectWise tests share: the sandbox served over HTTP, a connection to it, calls."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from adapters.sandboxes.connectwise.app import (
    CODEBASE,
    SANDBOX_CREDENTIALS,
    create_connectwise_sandbox,
)
from adapters.sandboxes.connectwise.store import ConnectWiseStore
from adapters.vendors.connectwise.contract import api_headers
from application.integrations.ports import ConnectionConfig
from domain.integrations.connection import System
from tests.support.sandboxes import RunningSandbox, sandbox_connection, sandbox_starter

_HTTP = httpx.Client(timeout=5)  # one client: a new one per call costs a TLS context (~0.1 s)


@dataclass(frozen=True)
class ConnectWiseSandbox(RunningSandbox):
    """The ConnectWise sandbox served for a test, with its in-process records."""

    @property
    def store(self) -> ConnectWiseStore:
        assert isinstance(self.runtime.state, ConnectWiseStore)
        return self.runtime.state

    @property
    def api(self) -> str:
        return f"{self.url}/{CODEBASE}apis/3.0"

    def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One API call as the adapter makes it (its headers unless ``headers`` is given)."""
        sent = dict(api_headers(SANDBOX_CREDENTIALS) if headers is None else headers)
        return _HTTP.request(method, f"{self.api}/{path}", headers=sent, **kwargs)

    def knobs(self, **knobs: Any) -> None:
        _HTTP.put(f"{self.url}/_sandbox/connectwise/knobs", json=knobs).raise_for_status()

    def record(self, path: str, **values: Any) -> dict[str, Any]:
        """A record made as a ConnectWise user would, e.g. a company others entered."""
        response = _HTTP.post(f"{self.url}/_sandbox/connectwise/records/{path}", json=values)
        response.raise_for_status()
        made: dict[str, Any] = response.json()
        return made

    def journal(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _HTTP.get(f"{self.url}/_sandbox/connectwise/journal").json()
        return found

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """A GET of a whole URL (a Link), with the adapter's headers."""
        return _HTTP.get(url, headers=api_headers(SANDBOX_CREDENTIALS), **kwargs)

    def lookup_id(self, path: str, name: str, label: str = "name") -> int:
        rows = self.store.records[path].values()
        return next(int(r["id"]) for r in rows if r.get(label) == name)


def served_connectwise() -> Iterator[ConnectWiseSandbox]:
    """For a fixture: the sandbox, served over HTTP while the test runs."""
    with sandbox_starter(ConnectWiseSandbox, create_connectwise_sandbox) as start:
        yield start()


def connectwise_connection(
    base_url: str,
    *,
    credentials: Mapping[str, str] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> ConnectionConfig:
    return sandbox_connection(
        System.CONNECTWISE, base_url, credentials or SANDBOX_CREDENTIALS, settings
    )
