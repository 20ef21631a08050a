"""Engines for the embedded SQLite database and for PostgreSQL."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs; use the async drivers."""
    parsed = make_url(url)
    driver = _DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 10
) -> AsyncEngine:
    url = normalize_url(url)
    if not is_sqlite(url):
        return create_async_engine(
            url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
        )
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, echo=echo, connect_args={"timeout": 30, "factory": _ClosingConnection}
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


class _ClosingCursor(sqlite3.Cursor):
    """Closes itself, on its connection's thread, when a statement fails.

    SQLAlchemy's aiosqlite adapter leaves a failed statement's cursor to the garbage collector,
    which runs on the event loop's thread: finalizing it needs the connection's mutex, which the
    connection's own thread may hold for up to the busy timeout while it waits for SQLite's one
    writer. The whole event loop then froze behind it, and with it the writer it waited for.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> Self:
        try:
            return super().execute(sql, parameters)
        except BaseException:
            self.close()
            raise

    def executemany(self, sql: str, parameters: Any, /) -> Self:
        try:
            return super().executemany(sql, parameters)
        except BaseException:
            self.close()
            raise


class _ClosingConnection(sqlite3.Connection):
    def cursor(self, factory: Any = _ClosingCursor) -> Any:
        return super().cursor(factory)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def control_engine(url: str, main: AsyncEngine) -> AsyncEngine:
    """The worker's bookkeeping (claims, lease renewals, completions) on a small pool of its
    own, so that it never waits behind deliveries for a connection: a renewal held up past the
    lease would hand a message to a second worker. SQLite, with one writer, keeps one engine."""
    return main if is_sqlite(url) else create_engine(url, pool_size=2, max_overflow=2)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class SqlAlchemyProbe:
    """Answers the health check: can the database run a query? Closes every engine at the end."""

    def __init__(self, engine: AsyncEngine, *others: AsyncEngine) -> None:
        self._engine = engine
        self._others = others

    async def ping(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def close(self) -> None:
        for engine in {self._engine, *self._others}:
            await engine.dispose()


async def _admin(server_url: str, sql: str) -> None:
    engine = create_async_engine(make_url(normalize_url(server_url)), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    finally:
        await engine.dispose()


async def create_scratch_database(server_url: str) -> str:
    """A new, empty PostgreSQL database on the server; returns its URL."""
    name = f"q2c_scratch_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = make_url(normalize_url(server_url)).set(database=name)
    return url.render_as_string(hide_password=False)


async def drop_database(url: str) -> None:
    target = make_url(normalize_url(url))
    server = target.set(database="postgres").render_as_string(hide_password=False)
    await _admin(server, f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new PostgreSQL database for one run (benchmarks, tests); dropped after."""
    url = await create_scratch_database(server_url)
    try:
        yield url
    finally:
        await drop_database(url)
