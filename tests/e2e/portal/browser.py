"""Debian's chromium driven by Playwright for Python: one browser for the test session.

Never ``playwright install``: these machines cannot download a browser, and CI installs
Debian's ``chromium`` (``.ci/run``). Screenshots go to ``test-artifacts/portal/`` (git-ignored,
kept by CI as an artifact folder).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "portal"
