"""ARCHITECTURE.md and README.md name files that exist: the map stays true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain/", "application/", "adapters/", "entrypoints/", "tests/", "scripts/", ".ci/")
# a path in backquotes that starts at a top-level folder: `adapters/vendors/kit/exchange.py`
PATH = re.compile(r"`((?:" + "|".join(map(re.escape, LAYERS)) + r")[A-Za-z0-9_./<>-]*)`")


@pytest.mark.parametrize("document", ["ARCHITECTURE.md", "README.md"])
def test_every_path_a_document_names_exists(document: str) -> None:
    text = (ROOT / document).read_text()
    named = {m.group(1).rstrip("/.") for m in PATH.finditer(text)}
    assert named, f"{document} names no file"
    example = ("<", "acme")  # a placeholder, or the example vendor of "Adding a vendor"
    missing = sorted(
        p for p in named if not any(e in p for e in example) and not (ROOT / p).exists()
    )
    assert missing == [], f"{document} names files that do not exist"
