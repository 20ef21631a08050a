"""Settings from ``Q2C_`` environment variables, read once, in the composition root only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Literal

LogFormat = Literal["auto", "json", "console"]


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite+aiosqlite:///./var/q2c.db"
    host: str = "127.0.0.1"
    port: int = 8000
    log_format: LogFormat = "auto"
    log_level: str = "info"
    demo_tenant: bool = True
    worker_concurrency: int = 64
    worker_lease_seconds: float = 60.0
    worker_backoff_seconds: float = 1.0
    worker_backoff_cap_seconds: float = 600.0
    worker_max_attempts: int = 8
    vendor_timeout_seconds: float = 10.0
    # Money in flight: how often the worker asks the gateway, and how long a sale may go
    # unanswered before it is looked up by order id.
    payment_watch_seconds: float = 60.0
    pending_payment_grace_seconds: float = 60.0
    # The HTTP edge: kept idempotent answers, and what a slow or greedy client may hold.
    idempotency_window_hours: float = 24.0
    http_header_timeout_seconds: float = 10.0
    http_body_timeout_seconds: float = 30.0
    http_keepalive_seconds: int = 5
    http_max_concurrency: int = 200
    # Notifications (PAY-13): SMTP when set (smtp://user:pass@host:587), else a local mailbox.
    smtp_url: str | None = field(default=None, repr=False)
    mailbox_dir: str = "var/mailbox"
    mail_from: str = "billing@q2c.local"
    # Where people reach the hub (links in emails, Secure cookies when https); else base_url.
    public_url: str | None = None
    # The bearer token a Prometheus scraper sends to /metrics; unset: loopback clients only.
    metrics_token: str | None = field(default=None, repr=False)
    # Not shown by repr, so a logged Settings never leaks it; used by the credential vault.
    secret_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"Q2C_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.log_format not in ("auto", "json", "console"):
            raise ValueError("Q2C_LOG_FORMAT must be auto, json or console")
        return settings

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def link_url(self) -> str:
        return (self.public_url or self.base_url).rstrip("/")

    @property
    def docs_url(self) -> str:
        return f"{self.base_url}/schema"


def _parse(name: str, kind: object, raw: str) -> object:
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"Q2C_{name.upper()} must be a whole number, not {raw!r}") from None
    if kind in ("float", float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"Q2C_{name.upper()} must be a number, not {raw!r}") from None
    if kind in ("bool", bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw
