"""Fixtures shared by every test: databases on both backends, containers, a tenant with keys."""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx._transports.default
import pytest
from hypothesis import HealthCheck, settings

from adapters.persistence.migrate import migrate
from adapters.vendors.kit.exchange import tls
from entrypoints.containers import Container, build_container
from entrypoints.settings import Settings
from tests.support.card_scan import LeakWatch, card_numbers_in
from tests.support.databases import (
    fresh_postgres_database,
    postgres_required,
    postgres_server,
    run_blocking,
)

# The machines are shared: a property's examples may take long to draw or run when other work
# takes the cores. Time is never a reason for a property to fail; its assertions are.
settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("shared-machine")


def _one_tls_context_per_process() -> None:
    """Every httpx client the tests make (thousands: sandboxes' control calls, test clients)
    shares one default TLS context, as the hub's vendor clients do (``kit.exchange.tls``):
    httpx would read the whole CA bundle for each, tens of milliseconds of CPU apiece, a
    minute of a CI run. Only the default (verify=True, no client certificate) is shared."""
    default = getattr(httpx._transports.default, "create_ssl_context", None)
    if default is None:  # another httpx: slower tests, same results
        return

    @functools.wraps(default)
    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is True and cert is None and trust_env:
            return tls()
        context: ssl.SSLContext = default(verify=verify, cert=cert, trust_env=trust_env)
        return context

    httpx._transports.default.create_ssl_context = shared  # type: ignore[attr-defined]


_one_tls_context_per_process()

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TEST_SECRET_KEY = "test-vault-key-0123456789abcdef"


def settings_for(database_url: str, **overrides: object) -> Settings:
    """Settings every test container shares (one vault key, so they read each other's rows)."""
    return Settings(database_url=database_url, secret_key=TEST_SECRET_KEY, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database for the whole run (tests isolate by tenant)."""
    with postgres_server() as server:
        if server is None:
            message = (
                "no PostgreSQL: set Q2C_TEST_POSTGRES_URL or run a Docker engine "
                "(./dev test starts a throwaway server when PostgreSQL is installed)"
            )
            if postgres_required():
                pytest.fail(message)
            pytest.skip(message)
        with fresh_postgres_database(server) as url:
            yield url
            _no_card_numbers(url)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path: Path = tmp_path_factory.mktemp("sqlite") / "q2c.db"
    url = f"sqlite+aiosqlite:///{path}"
    run_blocking(lambda: migrate(url))
    yield url
    _no_card_numbers(url)


def _no_card_numbers(url: str) -> None:
    """PAY-8: after the whole run, not one test card or account number in the database."""
    found = run_blocking(lambda: card_numbers_in(url))
    assert found == [], f"card or account numbers stored: {found[:5]}"


@pytest.fixture(scope="session", autouse=True)
def no_card_numbers_in_logs() -> Iterator[None]:
    """PAY-8: no log record of the whole run mentions a test card or account number."""
    watch, root = LeakWatch(), logging.getLogger()
    level = root.level
    root.addHandler(watch)
    root.setLevel(min(level, logging.INFO) or logging.INFO)
    yield
    root.removeHandler(watch)
    root.setLevel(level)
    assert watch.found == [], f"card or account numbers logged: {watch.found[:5]}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """The test runs once on SQLite and once on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def container(database_url: str) -> AsyncIterator[Container]:
    container = build_container(settings_for(database_url))
    yield container
    await container.persistence.limits().close()  # nothing of it left on the test's loop
    await container.persistence.probe().close()


@pytest.fixture
def memory_container() -> Container:
    return build_container(Settings(), persistence="memory")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how the PostgreSQL tests went, so CI shows they ran, not skipped."""
    tally: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        tally[outcome] = sum(
            1 for r in reports if "postgres" in getattr(r, "keywords", {}) and r.when != "teardown"
        )
    parts = ", ".join(f"{n} {outcome}" for outcome, n in tally.items() if n)
    terminalreporter.write_line(f"PostgreSQL tests: {parts or 'none ran'}")
