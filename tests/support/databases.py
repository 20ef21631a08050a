"""Where the tests' databases come from.

PostgreSQL, in this order: ``Q2C_TEST_POSTGRES_URL`` (what ``.ci/run`` and ``./dev test`` start),
else a testcontainers PostgreSQL when a Docker engine answers. With neither, PostgreSQL tests
skip, unless ``Q2C_REQUIRE_POSTGRES=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import TypeVar

from adapters.persistence.database import create_scratch_database, drop_database, normalize_url
from adapters.persistence.migrate import migrate

T = TypeVar("T")


def run_blocking(work: Callable[[], Awaitable[T]]) -> T:
    """Run async set-up on its own loop, even when a test's loop is already running."""

    async def main() -> T:
        return await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def postgres_required() -> bool:
    return os.environ.get("Q2C_REQUIRE_POSTGRES", "").lower() in ("1", "true", "yes")


def _docker_engine_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        return (
            subprocess.run(
                [docker, "info"], capture_output=True, timeout=15, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """A URL of a PostgreSQL server to create test databases on, or None."""
    configured = os.environ.get("Q2C_TEST_POSTGRES_URL")
    if configured:
        yield normalize_url(configured)
        return
    if not _docker_engine_answers():
        yield None
        return
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
        yield normalize_url(container.get_connection_url())


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, migrated database on the server, dropped afterwards."""
    urls: list[str] = []

    async def create() -> None:
        urls.append(await create_scratch_database(server_url))

    run_blocking(create)
    try:
        run_blocking(lambda: migrate(urls[0]))
        yield urls[0]
    finally:
        with suppress(Exception):
            run_blocking(lambda: drop_database(urls[0]))
