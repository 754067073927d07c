"""Logs as events, and the request context that every log line and outgoing call carries.

Each request gets a ``request_id`` (taken from ``X-Request-ID`` when the caller
sends a sane one) and a W3C trace context (``traceparent``, continued when sent,
started otherwise). Both are bound to structlog's contextvars, returned in the
response headers and passed on by :func:`outgoing_headers` to other services.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys
import time
from typing import Any

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_json = msgspec.json.Encoder()


def configure_logging(*, service: str, fmt: str = "auto", level: str = "info") -> None:
    """JSON lines when not on a terminal (or when asked), readable lines on a terminal."""
    as_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer(
            serializer=lambda value, **_: _json.encode(value).decode()
        )
        if as_json
        else structlog.dev.ConsoleRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.dict_tracebacks
            if as_json
            else structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries log through the standard library (uvicorn, asyncpg): same events, same format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(service=service)


def new_request_id() -> str:
    return secrets.token_hex(12)


def outgoing_headers() -> dict[str, str]:
    """Headers that carry the current request's correlation to another service."""
    ctx = structlog.contextvars.get_contextvars()
    headers: dict[str, str] = {}
    if request_id := ctx.get("request_id"):
        headers["x-request-id"] = request_id
    if trace_id := ctx.get("trace_id"):
        headers["traceparent"] = f"00-{trace_id}-{ctx.get('span_id') or secrets.token_hex(8)}-01"
    return headers


class RequestContextMiddleware:
    """Binds request id and trace context, answers with them, logs one event per request."""

    def __init__(self, app: ASGIApp, *, quiet_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.quiet_paths = quiet_paths
        self.log = structlog.get_logger("kring.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        sent_id = headers.get("x-request-id", "")
        request_id = sent_id if _REQUEST_ID.match(sent_id) else new_request_id()
        match = _TRACEPARENT.match(headers.get("traceparent", ""))
        trace_id = match.group(1) if match and match.group(1) != "0" * 32 else secrets.token_hex(16)
        flags = match.group(3) if match else "01"
        span_id = secrets.token_hex(8)
        structlog.contextvars.bind_contextvars(
            request_id=request_id, trace_id=trace_id, span_id=span_id
        )
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"traceparent", f"00-{trace_id}-{span_id}-{flags}".encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if scope["path"] not in self.quiet_paths:
                self.log.info(
                    "http_request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id", "trace_id", "span_id")


def current_request_id() -> str | None:
    """The id of the request being served, to carry into events it causes."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None
