"""structlog, configured once: JSON off a terminal, console on one; secrets never written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from entrypoints.settings import Settings

_SECRET_KEYS = re.compile(
    r"(authorization|api[_-]?key|secret|password|token|private[_-]?key|credential"
    r"|card[_-]?number|ccnumber|account[_-]?number|checkaccount|cvv)",
    re.IGNORECASE,
)
_KEY_SHAPE = re.compile(r"q2c_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}")


def redact_secrets(
    _logger: Any,
    _method: str,
    event: MutableMapping[str, Any],
) -> MutableMapping[str, Any]:
    """Mask values under secret-looking keys and anything shaped like an API key."""
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key):
            event[key] = "***"
        elif isinstance(value, str):
            event[key] = _KEY_SHAPE.sub("q2c_***", value)
    return event


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Route structlog and the standard library's logging through one formatter to ``stream``."""
    out = sys.stderr if stream is None else stream
    as_json = settings.log_format == "json" or (settings.log_format == "auto" and not out.isatty())
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        # a standard-library record's ``extra={...}`` becomes fields of the line (then redacted)
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if as_json else []),
            renderer,
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # requests are logged by the hub
    for chatty in ("httpx", "httpcore"):  # one line per vendor call; errors still show
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
