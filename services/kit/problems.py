"""RFC 9457 ``application/problem+json``: the one place errors become HTTP answers.

The kit's ``DomainError`` hierarchy (``services.kit.errors``), Litestar's own HTTP
exceptions (unknown route, bad JSON, validation of parameters and bodies), values
PostgreSQL refuses, and any unhandled exception are all rendered through the same
``Problem`` shape.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .errors import DomainError, FieldError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:kring:problem:"

log = structlog.get_logger("kring.errors")


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, with Kring's extensions ``errors`` and ``request_id``."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)
    extra: dict[str, Any] | None = None


_HTTP_TYPES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("rule-violation", "A rule of the domain refuses this request"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}

# msgspec's messages, mapped to a stable rule name a client can switch on.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), rule)
    for pattern, rule in (
        (r"missing required field", "required"),
        (r"unknown field", "unknown_field"),
        (r"length [<>]=", "length"),
        (r"length$", "length"),
        (r"Expected `(int|float|number)` [<>]=?", "range"),
        (r"Expected `(int|float|number)` that is a multiple", "multiple_of"),
        (r"matching regex", "pattern"),
        (r"Invalid enum value", "enum"),
        (r"Invalid (UUID|RFC 3339|date|time|datetime|base64|decimal)", "format"),
        (r"Expected `(date|datetime|time|uuid)`", "format"),
        (r"control characters", "control_character"),
        (r"must be", "value"),
        (r"Expected `", "type"),
        (r"JSON|malformed|truncated|Invalid", "syntax"),
    )
)


_UNKNOWN_FIELD = re.compile(r"(?:unknown|missing required) field `(.*)`")
_NAMED_FIELD = re.compile(r"^`(\w+)` ")


def rule_of(message: str) -> str:
    for pattern, rule in _RULES:
        if pattern.search(message):
            return rule
    return "invalid"


def _field_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra
    items = extra if isinstance(extra, list) else [extra] if isinstance(extra, dict) else []
    errors: list[FieldError] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", "invalid"))
        key = item.get("key")
        source = getattr(item.get("source"), "value", item.get("source"))
        if key in (None, "data") and (named := _NAMED_FIELD.match(message)):
            key = named.group(1)
        if unknown := _UNKNOWN_FIELD.search(message):
            key = unknown.group(1) if key in (None, "data") else f"{key}.{unknown.group(1)}"
        field = f"{source}.{key}" if source and key else (key or source)
        errors.append(FieldError(field=field, rule=rule_of(message), message=message))
    if not errors and exc.detail:
        errors.append(FieldError(rule=rule_of(exc.detail), message=exc.detail))
    return errors


_encoder = msgspec.json.Encoder()


def problem_response(problem: Problem, *, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=_encoder.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _request_id(request: Request[Any, Any, Any]) -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    headers = {"WWW-Authenticate": 'Bearer realm="kring"'} if exc.status == 401 else None
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + exc.type,
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            request_id=_request_id(request),
            errors=exc.errors,
            extra=exc.extra,
        ),
        headers=headers,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    slug, title = _HTTP_TYPES.get(status, ("http-error", "HTTP error"))
    errors: list[FieldError] = []
    detail: str | None = exc.detail
    if isinstance(exc, ValidationException):
        slug, title = "validation", "The request is not valid"
        errors = _field_errors(exc)
        detail = "; ".join(f"{e.field or 'request'}: {e.message}" for e in errors) or exc.detail
    elif status == 400 and exc.detail:
        errors = [FieldError(field="body", rule=rule_of(exc.detail), message=exc.detail)]
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="kring"')
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + slug,
            title=title,
            status=status,
            detail=detail,
            instance=request.url.path,
            request_id=_request_id(request),
            errors=errors,
        ),
        headers=headers or None,
    )


def database_value_handler(
    request: Request[Any, Any, Any], exc: asyncpg.DataError
) -> Response[bytes]:
    """PostgreSQL refused a value (out of range, unstorable character): the input's fault, a 400."""
    message = str(exc).split("\n")[0]
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + "validation",
            title="The request is not valid",
            status=400,
            detail=f"A value cannot be stored: {message}",
            instance=request.url.path,
            request_id=_request_id(request),
            errors=[FieldError(rule="storable", message=message)],
        )
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.error("unhandled_exception", path=request.url.path, exc_info=exc)
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + "internal",
            title="Internal server error",
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            detail="The error has been logged with this request id.",
            instance=request.url.path,
            request_id=_request_id(request),
        )
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    asyncpg.DataError: database_value_handler,
    Exception: internal_error_handler,
}
