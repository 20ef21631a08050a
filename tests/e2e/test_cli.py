"""The q2c command line: migrate, tenants and keys, and `q2c serve` as a newcomer runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from entrypoints.cli.main import cli
from entrypoints.servers import free_port

pytestmark = pytest.mark.xdist_group("processes")  # processes of their own: one at a time

KEY = re.compile(r"q2c_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}")


def run(db: Path, *args: str) -> tuple[int, str]:
    env = {"Q2C_DATABASE_URL": f"sqlite:///{db}", "Q2C_LOG_FORMAT": "json"}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout + (result.stderr if result.exit_code else "")


def test_tenant_create_prints_a_working_key_once(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    assert run(db, "migrate") == (0, "database is up to date\n")
    code, output = run(db, "tenant", "create", "Acme MSP", "--currency", "CAD")
    assert code == 0
    keys = KEY.findall(output)
    assert len(keys) == 1
    code, again = run(db, "tenant", "create", "Acme MSP", "--currency", "CAD")
    assert code != 0
    assert "exists already" in again
    code, second = run(db, "tenant", "key", "Acme MSP", "--role", "sales")
    assert code == 0
    assert KEY.findall(second) != keys


def test_serve_migrates_seeds_a_demo_tenant_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "Q2C_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'q2c.db'}",
        "Q2C_PORT": str(port),
        "Q2C_LOG_FORMAT": "json",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        key = None
        assert server.stdout is not None
        for line in server.stdout:
            found = KEY.search(line)
            key = key or (found.group(0) if found else None)
            if "Application startup complete" in line or "Uvicorn running" in line:
                break
        assert key is not None, "the demo tenant's key was not printed"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        listed = httpx.get(f"{base}/v1/organizations", headers={"Authorization": f"Bearer {key}"})
        assert listed.status_code == 200
        assert listed.json() == {"items": [], "next_cursor": None}
        assert httpx.get(f"{base}/schema/openapi.json").status_code == 200
        brand = httpx.get(f"{base}/v1/tenant/branding", headers={"Authorization": f"Bearer {key}"})
        assert (brand.json()["name"], brand.json()["logo"]["media_type"]) == (
            "Demo MSP",
            "image/png",
        )  # the demo tenant is branded, logo and all
    finally:
        server.terminate()
        rest, _ = server.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells it.
    assert server.returncode in (0, -15)
    assert "Application shutdown complete" in rest


@pytest.mark.parametrize("args", [["--help"], ["tenant", "--help"]])
def test_help_lists_the_commands(args: list[str], tmp_path: Path) -> None:
    code, output = run(tmp_path / "x.db", *args)
    assert code == 0
    assert "Usage" in output
