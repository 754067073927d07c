"""RFC 9457 ``application/problem+json``: the one place errors become HTTP answers.

The kit's ``DomainError`` hierarchy (``services.kit.errors``), Litestar's own HTTP
exceptions (unknown route, validation of parameters), values PostgreSQL refuses, a database
that cannot be reached (503, ``Retry-After``) and any unhandled exception are all rendered
through the same ``Problem`` shape.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .db import CONNECTION_LOST, DatabaseUnavailable
from .errors import DomainError, FieldError, InvalidInput
from .request_context import current_request_id
from .strict import malformed_path_parameter, parameter_errors, rule_of

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:kring:problem:"

log = structlog.get_logger("kring.errors")


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """RFC 9457 problem details, with Kring's extensions ``errors`` and ``request_id``;
    ``detail`` always says what happened to this request."""

    type: str
    title: str
    status: int
    detail: str
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
    431: ("headers-too-large", "Request headers too large"),
    500: ("internal", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}
_HTTP_DETAILS = {
    404: "No resource at {path}.",
    405: "{path} does not take {method}; `Allow` lists the methods it takes.",
    406: "{path} cannot answer in a media type the `Accept` header allows.",
    413: "The request body is larger than the service accepts.",
    415: "The request body must be sent as `application/json` (UTF-8).",
}
"""What an HTTP error of the framework's says when it says no more than its status phrase."""
_PHRASES = {status.value: status.phrase for status in HTTPStatus}

_encoder = msgspec.json.Encoder()


def problem_bytes(problem: Problem) -> bytes:
    return _encoder.encode(problem)


def problem_response(problem: Problem, *, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=_encoder.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def http_problem(status: int, *, detail: str, instance: str) -> Problem:
    """The problem of an HTTP error ``status`` of the request being served."""
    slug, title = _HTTP_TYPES.get(status, ("http-error", "HTTP error"))
    return Problem(
        type=PROBLEM_TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        request_id=current_request_id(),
    )


def _http_detail(request: Request[Any, Any, Any], exc: HTTPException) -> str:
    """The exception's own detail, or a sentence about this request when it gave only its
    status phrase."""
    status = exc.status_code
    phrase = _PHRASES.get(status, "")
    if exc.detail and exc.detail != phrase:
        return exc.detail
    title = _HTTP_TYPES.get(status, ("", phrase or "HTTP error"))[1]
    template = _HTTP_DETAILS.get(status, "{title}: {method} {path}.")
    return template.format(path=request.url.path, method=request.method, title=title)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    headers = {"WWW-Authenticate": 'Bearer realm="kring"'} if exc.status == 401 else None
    if exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + exc.type,
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            instance=request.url.path,
            request_id=current_request_id(),
            errors=exc.errors,
            extra=exc.extra,
        ),
        headers=headers,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    if isinstance(exc, NotFoundException) and isinstance(exc.__cause__, ValueError):
        # The router matched a templated path whose parameter did not parse (no UUID).
        if malformed := malformed_path_parameter(request.app, request.url.path):
            error = InvalidInput(f"{malformed.field}: {malformed.message}", errors=[malformed])
            return domain_error_handler(request, error)
    slug, title = _HTTP_TYPES.get(status, ("http-error", "HTTP error"))
    errors: list[FieldError] = []
    detail = _http_detail(request, exc)
    if isinstance(exc, ValidationException):
        slug, title = "validation", "The request is not valid"
        errors = parameter_errors(request, exc)
        detail = "; ".join(f"{e.field or 'request'}: {e.message}" for e in errors) or detail
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
            request_id=current_request_id(),
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
            request_id=current_request_id(),
            errors=[FieldError(rule="storable", message=message)],
        )
    )


def database_unavailable_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[bytes]:
    """The database cannot be reached, or went away mid-request: 503, try again shortly."""
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) and exc.__cause__ else exc
    log.warning("database_unavailable", path=request.url.path, error=type(cause).__name__)
    return domain_error_handler(request, DatabaseUnavailable())


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.error("unhandled_exception", path=request.url.path, exc_info=exc)
    return problem_response(
        Problem(
            type=PROBLEM_TYPE_BASE + "internal",
            title="Internal server error",
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            detail="The error has been logged with this request id.",
            instance=request.url.path,
            request_id=current_request_id(),
        )
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    asyncpg.DataError: database_value_handler,
    DatabaseUnavailable: database_unavailable_handler,
    **dict.fromkeys(CONNECTION_LOST, database_unavailable_handler),
    Exception: internal_error_handler,
}
