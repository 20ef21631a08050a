"""``/metrics`` (Prometheus text) for the operator's scraper, not for anyone who asks.

Per-route request counts say how a tenant's business is going, so they are not public: with
``Q2C_METRICS_TOKEN`` set, a scraper sends it as a bearer token (Prometheus's
``authorization: {credentials: …}``); without one, only the machine itself (loopback) is
answered, which keeps ``./dev serve`` and a local Prometheus working. An API key would work too
but is far more than a scraper needs, so it is not accepted here.
"""

from __future__ import annotations

import hmac
from ipaddress import ip_address
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.prometheus import PrometheusController
from litestar.types import Guard


def metrics_guard(token: str | None) -> Guard:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if token is None:
            if not _loopback(connection.client.host if connection.client else ""):
                raise NotAuthorizedException("set Q2C_METRICS_TOKEN to scrape /metrics remotely")
            return
        scheme, _space, given = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise NotAuthorizedException("send Q2C_METRICS_TOKEN as 'Authorization: Bearer …'")

    return guard


def _loopback(host: str) -> bool:
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_controller(token: str | None) -> type[PrometheusController]:
    class MetricsController(PrometheusController):
        path = "/metrics"
        openmetrics_format = False
        include_in_schema = False
        guards = [metrics_guard(token)]  # noqa: RUF012

    return MetricsController
