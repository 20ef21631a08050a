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
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.database import create_engine, normalize_url
from adapters.persistence.migrate import upgrade


def run_blocking(work: Callable[[], Awaitable[None]]) -> None:
    """Run async set-up on its own loop, even when a test's loop is already running."""

    async def main() -> None:
        await work()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, main()).result()


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
    name = f"q2c_test_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(server_url)

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    run_blocking(lambda: admin(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        run_blocking(lambda: migrate(url))
        yield url
    finally:
        with suppress(Exception):
            run_blocking(lambda: admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
