"""The wheels: the hub's without the vendor sandboxes, the sandboxes' as its optional part.

``uv build --all-packages`` builds both. The hub's wheel must run on its own (an MSP in
production has no use for a fake Autotask), and with the ``sandboxes`` extra it gets them back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "application", "adapters", "entrypoints")


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools/uv/bin/uv")
    if not Path(found).exists():
        pytest.fail("uv is needed to build the wheels (./dev bootstraps it)")
    return found


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [_uv(), "build", "--all-packages", "--wheel", "--out-dir", str(out), "--quiet"],
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    return {w.name.split("-")[0]: w for w in out.glob("*.whl")}


def _files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return [n for n in archive.namelist() if ".dist-info/" not in n]


def _metadata(wheel: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return list(Parser().parsestr(archive.read(name).decode()).items())


def _extract(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    return into


# One process per installed set: it imports the hub once and runs each command in turn.
_RUN = """
import json, sys
sys.path.insert(0, sys.argv[1])
from click.testing import CliRunner
from entrypoints.cli.main import cli
results = []
for line in sys.argv[2:]:
    ran = CliRunner().invoke(cli, line.split())
    results.append({"code": ran.exit_code, "out": ran.stdout, "err": ran.stderr})
print(json.dumps(results))
"""


def q2c(site: Path, *commands: str) -> list[dict[str, Any]]:
    """``q2c`` commands run from ``site`` alone: its ``adapters`` package comes first on the
    path, so the checkout's sandboxes cannot be imported unless ``site`` has them too."""
    env = {**os.environ, "Q2C_DATABASE_URL": f"sqlite:///{site / 'hub.db'}"}
    ran = subprocess.run(
        [sys.executable, "-c", _RUN, str(site), *commands],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(ran.stdout.splitlines()[-1])
    return results


def test_the_hubs_wheel_leaves_the_sandboxes_out_and_offers_them_as_an_extra(
    wheels: dict[str, Path],
) -> None:
    assert set(wheels) == {"q2c_hub", "q2c_hub_sandboxes"}
    hub = _files(wheels["q2c_hub"])
    assert {f.split("/")[0] for f in hub} == set(LAYERS)
    assert "adapters/vendors/autotask/client.py" in hub
    assert "adapters/persistence/migrations/script.py.mako" in hub  # Alembic's template
    assert not [f for f in hub if f.startswith("adapters/sandboxes/")]
    metadata = _metadata(wheels["q2c_hub"])
    assert ("Provides-Extra", "sandboxes") in metadata
    assert ("Requires-Dist", "q2c-hub-sandboxes==0.1.0; extra == 'sandboxes'") in metadata


def test_the_sandboxes_wheel_holds_only_the_sandboxes_at_their_import_path(
    wheels: dict[str, Path],
) -> None:
    files = _files(wheels["q2c_hub_sandboxes"])
    assert files
    assert all(f.startswith("adapters/sandboxes/") and f.endswith(".py") for f in files), files
    for vendor in ("autotask", "kaseya_bms", "quickbooks", "bng", "kit"):
        assert f"adapters/sandboxes/{vendor}/__init__.py" in files
    assert "adapters/sandboxes/mount.py" in files
    assert ("Requires-Dist", "q2c-hub==0.1.0") in _metadata(wheels["q2c_hub_sandboxes"])


def test_the_hub_runs_without_the_sandboxes_and_says_how_to_get_them_and_gets_them_back(
    wheels: dict[str, Path], tmp_path: Path
) -> None:
    site = _extract(wheels["q2c_hub"], tmp_path / "site")
    listed, migrated, sandbox, bench = q2c(site, "--help", "migrate", "sandbox", "bench quotes")
    assert listed["code"] == 0
    assert "serve" in listed["out"]
    assert (migrated["code"], migrated["out"]) == (0, "database is up to date\n")
    for refused in (sandbox, bench):
        assert refused["code"] == 1, refused
        assert 'pip install "q2c-hub[sandboxes]"' in refused["err"]

    _extract(wheels["q2c_hub_sandboxes"], site)  # the extra, installed beside
    sandbox, bench = q2c(site, "sandbox --help", "bench --help")
    assert sandbox["code"] == 0, sandbox
    assert bench["code"] == 0, bench
    assert "quotes" in bench["out"]
