"""``q2c bench idempotency``: keyed POSTs from C clients at once against ``q2c serve``.

Each of K keys is sent twice at the same moment (a retried request racing its first try), so
half the requests meet a twin in flight and ask again, as a client would, until it has finished.
While they run, ``/health`` is asked every 200 ms: a stalled hub shows there first. Afterwards
every key is sent once more (it must replay its answer, not stay in progress) and the
organizations are counted (one per key: no duplicate).

``--hub-source DIR`` runs the hub (migrate, tenant, serve) from another checkout of the code,
so the same load can be measured before and after a change. The last line printed is JSON.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx

from adapters.persistence.database import is_sqlite, scratch_database
from entrypoints.cli.bench_processes import child_process, postgres_server, q2c, q2c_env
from entrypoints.runtime import run_async
from entrypoints.servers import free_port

IN_PROGRESS_POLL = 0.05  # a twin asks again this soon
REQUEST_TIMEOUT = 120.0  # a stalled hub shows as slow answers, or as errors past this
HEALTH_EVERY = 0.2


@dataclass
class LoadFigures:
    """What the clients saw: final answers, latencies, the health probe, what was left after."""

    statuses: Counter[int] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    transport_errors: int = 0
    asks_again: int = 0
    health_worst_s: float = 0.0
    health_failures: int = 0
    wall_s: float = 0.0
    created: int = 0
    distinct: int = 0
    left_in_progress: int = 0
    not_replayed: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def table(self, **context: Any) -> dict[str, Any]:
        requests = sum(self.statuses.values()) + self.transport_errors
        ordered = sorted(self.seconds)
        return {
            "benchmark": "idempotency",
            **context,
            "requests": requests,
            "requests_per_s": round(requests / self.wall_s, 1) if self.wall_s else None,
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
            "p95_ms": round(_p95(ordered) * 1000, 1) if ordered else None,
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors_5xx": self.server_errors,
            "transport_errors": self.transport_errors,
            "asked_again_in_progress": self.asks_again,
            "health_worst_ms": round(self.health_worst_s * 1000, 1),
            "health_failures": self.health_failures,
            "duplicates": self.created - self.distinct,
            "left_in_progress": self.left_in_progress,
            "not_replayed": self.not_replayed,
        }


def _p95(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class _Load:
    def __init__(self, http: httpx.AsyncClient, api_key: str, prefix: str) -> None:
        self.http = http
        self.auth = {"Authorization": f"Bearer {api_key}"}
        self.prefix = prefix
        self.figures = LoadFigures()

    def body(self, i: int) -> dict[str, str]:
        return {"name": f"{self.prefix} {i}"}

    def headers(self, i: int) -> dict[str, str]:
        return {**self.auth, "Idempotency-Key": f"{self.prefix}-{i}"}

    async def post(self, i: int) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            while True:
                response = await self.http.post(
                    "/v1/organizations", json=self.body(i), headers=self.headers(i)
                )
                if response.status_code != 409 or "in_progress" not in response.text:
                    break
                self.figures.asks_again += 1
                await asyncio.sleep(IN_PROGRESS_POLL)
        except httpx.TransportError:
            self.figures.transport_errors += 1
            return None
        self.figures.seconds.append(time.perf_counter() - started)
        self.figures.statuses[response.status_code] += 1
        return response

    async def watch_health(self, done: asyncio.Event) -> None:
        while not done.is_set():
            started = time.perf_counter()
            try:
                answer = await self.http.get("/health")
                self.figures.health_failures += answer.status_code != 200
            except httpx.TransportError:
                self.figures.health_failures += 1
            elapsed = time.perf_counter() - started
            self.figures.health_worst_s = max(self.figures.health_worst_s, elapsed)
            await asyncio.sleep(HEALTH_EVERY)

    async def check_after(self, keys: int) -> None:
        for i in range(keys):
            again = await self.http.post(
                "/v1/organizations", json=self.body(i), headers=self.headers(i)
            )
            self.figures.left_in_progress += again.status_code == 409
            self.figures.not_replayed += again.headers.get("idempotent-replayed") != "true"
        names = await self.names()
        self.figures.created, self.figures.distinct = len(names), len(set(names))

    async def names(self) -> list[str]:
        names: list[str] = []
        cursor = ""
        while True:
            page = (
                await self.http.get(
                    f"/v1/organizations?q={self.prefix}&limit=200{cursor}", headers=self.auth
                )
            ).json()
            names += [o["name"] for o in page["items"]]
            if not page["next_cursor"]:
                return names
            cursor = f"&cursor={page['next_cursor']}"


async def keyed_load(base_url: str, api_key: str, keys: int, concurrency: int) -> LoadFigures:
    """K keys, each POSTed twice at once, C requests in flight; then the checks after."""
    limits = httpx.Limits(max_connections=concurrency + 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits) as http:
        load = _Load(http, api_key, f"Keyed-{uuid.uuid4().hex[:8]}")
        slots = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with slots:
                await load.post(i)

        done = asyncio.Event()
        health = asyncio.create_task(load.watch_health(done))
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(keys) for _ in range(2)))
        load.figures.wall_s = time.perf_counter() - started
        done.set()
        await health
        await load.check_after(keys)
        return load.figures


# --- the hub in its own process, from this checkout or another -------------------------------


async def _q2c_output(env: dict[str, str], cwd: Path, *args: str) -> str:
    child = await asyncio.create_subprocess_exec(
        *q2c(*args), env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    if child.returncode:
        raise click.ClickException(f"q2c {' '.join(args)} failed in {cwd}")
    return out.decode()


@asynccontextmanager
async def _hub(url: str, source: Path) -> AsyncIterator[tuple[str, str]]:
    """Migrate, make a tenant, serve: yields (base URL, admin key)."""
    env = q2c_env(url, Q2C_DEMO_TENANT="false", Q2C_LOG_LEVEL="error", PYTHONPATH=str(source))
    await _q2c_output(env, source, "migrate")
    created = await _q2c_output(env, source, "tenant", "create", "Bench MSP", "--currency=USD")
    api_key = created.strip().splitlines()[-1].strip()
    port = free_port()
    args = q2c("serve", "--no-worker", f"--port={port}")
    base = f"http://127.0.0.1:{port}"
    async with child_process("hub", args, f"{base}/health", env, cwd=source):
        yield base, api_key


async def _bench(url: str, source: Path, keys: int, concurrency: int) -> dict[str, Any]:
    async with _hub(url, source) as (base, api_key):
        figures = await keyed_load(base, api_key, keys, concurrency)
    return figures.table(
        database="sqlite" if is_sqlite(url) else "postgresql",
        hub_source=str(source),
        keys=keys,
        concurrency=concurrency,
        wall_s=round(figures.wall_s, 3),
    )


async def _database(stack: AsyncExitStack, url: str | None, postgres: bool) -> str:
    """A new SQLite file, the SQLite file given, or a scratch database on a PostgreSQL server
    (the one given, else a throwaway cluster)."""
    if url is not None and is_sqlite(url):
        return url
    if url is None and not postgres:
        workdir = stack.enter_context(tempfile.TemporaryDirectory())
        return f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
    server = await stack.enter_async_context(postgres_server(url))
    return await stack.enter_async_context(scratch_database(server))


async def _run(
    url: str | None, postgres: bool, source: Path, keys: int, concurrency: int
) -> dict[str, Any]:
    async with AsyncExitStack() as stack:
        database = await _database(stack, url, postgres)
        return await _bench(database, source, keys, concurrency)


@click.command("idempotency")
@click.option("--keys", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--concurrency", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--database-url",
    envvar="Q2C_BENCH_DATABASE_URL",
    help="a SQLite URL, or a PostgreSQL server to make a scratch database on "
    "(default: a new SQLite file)",
)
@click.option("--postgres", is_flag=True, help="on a throwaway PostgreSQL cluster")
@click.option(
    "--hub-source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path(__file__).resolve().parents[2],
    show_default="this checkout",
    help="run the hub from another checkout (e.g. `git worktree add /tmp/main main`)",
)
def idempotency(
    keys: int, concurrency: int, database_url: str | None, postgres: bool, hub_source: Path
) -> None:
    """K keys POSTed twice at once by C clients: requests/s, p95, 5xx, duplicates, stuck keys."""
    source = hub_source.resolve()
    figures = run_async(lambda: _run(database_url, postgres, source, keys, concurrency))
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        click.echo(f"{name:<{width}}  {value}")
    click.echo(json.dumps(figures))
