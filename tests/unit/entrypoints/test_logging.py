"""Logs are JSON off a terminal, carry the bound ids, and never carry a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from adapters.security.api_keys import Sha256ApiKeySecrets
from entrypoints.logging import configure_logging
from entrypoints.settings import Settings


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(Settings(log_format="json"), stream)
    yield stream
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_secrets_are_masked_by_key_and_by_shape(json_logs: io.StringIO) -> None:
    key = Sha256ApiKeySecrets().issue().plaintext
    log = structlog.get_logger("test")
    log.info("calling", authorization=f"Bearer {key}", password="hunter2", card_number="4111")
    log.info("echoing %s by mistake", key, note=f"key={key}")
    output = json_logs.getvalue()
    assert key not in output
    assert "hunter2" not in output
    assert "4111" not in output
    assert output.count("***") >= 4


def test_context_ids_are_bound_to_every_line(json_logs: io.StringIO) -> None:
    structlog.contextvars.bind_contextvars(request_id="r-1", tenant_id="t-1")
    try:
        structlog.get_logger("test").info("one")
        logging.getLogger("uvicorn.error").warning("two")
    finally:
        structlog.contextvars.clear_contextvars()
    records = lines(json_logs)
    assert [r["event"] for r in records] == ["one", "two"]
    assert all(r["request_id"] == "r-1" and r["tenant_id"] == "t-1" for r in records)


def test_standard_library_extras_are_fields_and_are_redacted_too_int_1(
    json_logs: io.StringIO,
) -> None:
    logging.getLogger("q2c.worker").warning(
        "sync_error", extra={"outbox_id": 7, "kind": "quote.publish", "secret": "s3cr3t"}
    )
    (record,) = lines(json_logs)
    assert (record["event"], record["outbox_id"], record["kind"]) == (
        "sync_error",
        7,
        "quote.publish",
    )
    assert record["secret"] == "***"
    assert "s3cr3t" not in json_logs.getvalue()
