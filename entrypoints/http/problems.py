"""RFC 9457 problem details: one map from every error to an ``application/problem+json`` answer."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap

from application.integrations.ports import (
    VendorError,
    VendorRateLimited,
    VendorRejected,
)
from application.shared.errors import ApplicationError, Conflict, NotFound, StorageError
from domain.shared.errors import DomainError

PROBLEM_JSON = "application/problem+json"
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_AT_PATH = re.compile(r"at `\$\.([^`]+)`")
log = structlog.get_logger("q2c.http")


def problem_body(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    **extensions: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def problem(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response[bytes]:
    body = problem_body(status, code, title, detail, instance=request.url.path, **extensions)
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _field_errors(field: str | None, message: str) -> list[dict[str, str]] | None:
    return [{"field": field, "message": message}] if field else None


def on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    """A broken business rule: 422, naming the rule and the field."""
    return problem(
        request,
        422,
        exc.code,
        "A business rule refused the request",
        exc.message,
        rule=exc.rule,
        errors=_field_errors(exc.field, exc.message),
    )


def on_application_error(request: Request[Any, Any, Any], exc: ApplicationError) -> Response[bytes]:
    if isinstance(exc, NotFound):
        return problem(request, 404, exc.code, "Not found", exc.message)
    if isinstance(exc, Conflict):
        return problem(
            request,
            409,
            exc.code,
            "Conflict",
            exc.message,
            errors=_field_errors(exc.field, exc.message),
        )
    if isinstance(exc, StorageError):
        log.error("storage_error", error=str(exc.__cause__ or exc))
        return problem(
            request, 503, exc.code, "Storage unavailable", exc.message, headers={"Retry-After": "1"}
        )
    return problem(
        request,
        400,
        exc.code,
        "Bad request",
        exc.message,
        errors=_field_errors(exc.field, exc.message),
    )


def field_named(key: str, message: str) -> str:
    """The field a msgspec message names (an unknown field, or the path after "at"), or the key."""
    unknown = _UNKNOWN_FIELD.search(message)
    at = _AT_PATH.search(message)
    inner = at.group(1) if at else ""
    if unknown:
        return ".".join(part for part in (inner, unknown.group(1)) if part)
    return inner or key


def on_validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[bytes]:
    """Malformed input: 400 with every offending field named."""
    errors = [
        {
            "field": field_named(str(item.get("key") or "body"), str(item.get("message", ""))),
            "message": str(item.get("message", "")),
        }
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    fields = ", ".join(e["field"] for e in errors)
    detail = f"invalid {fields}" if fields else str(exc.detail)
    return problem(
        request, 400, "validation", "The request is not valid", detail, errors=errors or None
    )


def on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    if exc.status_code >= 500:
        log.error("server_error", status=exc.status_code, detail=exc.detail, exc_info=exc)
    if isinstance(exc, NotAuthorizedException):
        return problem(
            request,
            401,
            "unauthorized",
            "Authentication required",
            exc.detail,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, PermissionDeniedException):
        return problem(request, 403, "forbidden", "Not allowed for this role", exc.detail)
    if exc.status_code == 400:
        return problem(
            request,
            400,
            "malformed_request",
            "The request could not be read",
            exc.detail,
            errors=_field_errors("body", exc.detail),
        )
    code = {
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }.get(exc.status_code, "http_error")
    return problem(request, exc.status_code, code, exc.detail, exc.detail, headers=exc.headers)


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.error("unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return problem(
        request,
        500,
        "internal",
        "Internal error",
        "the hub failed to answer; the error was logged with this request's id",
    )


def on_vendor_error(request: Request[Any, Any, Any], exc: VendorError) -> Response[bytes]:
    """A vendor the request needed (gateway, accounting) refused or did not answer."""
    if isinstance(exc, VendorRejected) and exc.field:
        return problem(
            request,
            422,
            "vendor_refused_input",
            "The vendor refused a value of the request",
            exc.message,
            errors=_field_errors(exc.field, exc.message),
        )
    if isinstance(exc, VendorRejected):
        return problem(request, 502, "vendor_rejected", "The vendor refused the call", exc.message)
    retry = exc.retry_after if isinstance(exc, VendorRateLimited) else 5.0
    return problem(
        request,
        503,
        "vendor_unavailable",
        "The vendor did not answer",
        exc.message,
        headers={"Retry-After": str(max(1, round(retry)))},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: on_domain_error,
    VendorError: on_vendor_error,
    ApplicationError: on_application_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    Exception: on_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem", "problem_body"]
