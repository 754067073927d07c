"""Logs as events, and the request context that every log line and outgoing call carries.

Each request gets a ``request_id`` (taken from ``X-Request-ID`` when the caller
sends a sane one) and a W3C trace context (``traceparent``, continued when sent,
started otherwise). Both are set as the request's context (:mod:`.request_context`), which
every log line carries, returned in the response headers and passed on by
:func:`outgoing_headers` to other services.

Each request is logged in one line (``http_request``), written by the middleware through the
configured processors directly (:func:`log_request`): the same line as a structlog logger's,
without a logger bound per call.

Every line is an event, JSON off a terminal, whoever logs it: structlog, the standard
library's loggers (uvicorn, asyncpg's pool, asyncio) and Python's warnings alike. A
traceback is data (``exception``: types, messages, file and line of each frame), never the
frames' local variables, and every value passes :mod:`services.kit.redaction` first, so no
token, cookie, secret, password or body reaches a log line.

The same middleware answers 431 to headers over the limit and 404 to a path that ends in a
slash (``/v1/groups/``: the router would strip it), before anything else runs. It puts the
API's version (``API-Version``, :mod:`.published`) and the security headers on every answer,
errors included: ``X-Content-Type-Options: nosniff`` everywhere, ``Cache-Control: no-store``
on the API's answers (unless the route set its own), ``Content-Security-Policy:
frame-ancestors 'none'`` on the docs.
"""

from __future__ import annotations

import logging
import random
import re
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import IO, Any

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

from .problems import PROBLEM_MEDIA_TYPE, Problem, http_problem, problem_bytes
from .redaction import may_hold_secret, redact_event
from .request_context import add_request_ids, request_context
from .request_context import current as current_ids

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_json = msgspec.json.Encoder()


def _renderer(as_json: bool) -> Any:
    if as_json:
        return structlog.processors.JSONRenderer(
            serializer=lambda value, **_: _json.encode(value).decode()
        )
    return structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)


def configure_logging(*, service: str, fmt: str = "auto", level: str = "info") -> None:
    """JSON lines on standard error when it is not a terminal (or when asked), readable lines
    on a terminal."""
    out = sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer = _renderer(as_json)
    shared: list[Any] = [
        add_request_ids,
        _fields(service=service),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # A traceback as data, without the frames' locals (they hold tokens, settings, bodies).
        structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        )
        if as_json
        else structlog.processors.format_exc_info,
    ]
    threshold = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, redact_event, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    global _request_line
    generic = _RequestLine(out, [*shared, redact_event, renderer])
    fast = _JsonRequestLine(out, service, generic) if as_json else generic
    _request_line = fast if threshold <= logging.INFO else None
    # Libraries log through the standard library (uvicorn, asyncpg): same events, same format.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                redact_event,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # a warning is an event too, not a raw line on stderr


def _fields(**fields: str) -> Any:
    """A processor adding ``fields`` to every line, whichever thread or task logs it (a
    contextvar bound at start reaches neither uvicorn's server thread nor every task)."""

    def add(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        for key, value in fields.items():
            event.setdefault(key, value)
        return event

    return add


class _RequestLine:
    """The request log line's writer: the configured processors run in turn, and the line
    written to ``out`` and flushed, as structlog's ``PrintLogger`` writes it (in one write, so
    lines of threads do not mix)."""

    __slots__ = ("out", "processors")

    def __init__(self, out: IO[str], processors: list[Callable[..., Any]]) -> None:
        self.out = out
        self.processors = processors

    def write(self, event: dict[str, Any]) -> None:
        line: Any = event
        for process in self.processors:
            line = process(None, "info", line)
        self.out.write(line + "\n")
        self.out.flush()


class _Line(msgspec.Struct, frozen=True, gc=False):
    """The request log line in JSON, its keys in the order the processors give them."""

    method: str
    path: str
    status: int
    duration_ms: float
    event: str
    request_id: str
    trace_id: str
    span_id: str
    service: str
    level: str
    timestamp: str


class _JsonRequestLine:
    """The request log line in JSON, written as the processors would write it, without running
    them: the same keys in the same order, the same values, the same redaction (its text is
    judged in one pass, as :func:`redact_event` judges it) and the same timestamp, formatted
    once a second. The line cost 6 % of the registrant query's CPU, served, and written so 2 %
    less (ADR 0045). A line outside a request (no ids), or whose text may hold a secret, goes
    through the processors."""

    __slots__ = ("_second", "_stamp", "generic", "name", "out")

    def __init__(self, out: IO[str], service: str, generic: _RequestLine) -> None:
        self.out = out
        self.name = service
        self.generic = generic
        self._second = -1
        self._stamp = ""

    def _timestamp(self) -> str:
        """Now in UTC as ``datetime.isoformat`` writes it, ``Z`` for the offset (structlog's
        ``TimeStamper(fmt="iso", utc=True)``): no fraction when the microseconds are 0."""
        second, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        microseconds = nanoseconds // 1000
        return f"{self._stamp}.{microseconds:06d}Z" if microseconds else f"{self._stamp}Z"

    def write(self, event: dict[str, Any]) -> None:
        ids = current_ids()
        method, path = event["method"], event["path"]
        if ids is None or may_hold_secret(f"{method}\n{path}\n{ids.request_id}"):
            self.generic.write(event)
            return
        line = _Line(
            method,
            path,
            event["status"],
            event["duration_ms"],
            "http_request",
            ids.request_id,
            ids.trace_id,
            ids.span_id,
            self.name,
            "info",
            self._timestamp(),
        )
        self.out.write(_json.encode(line).decode() + "\n")
        self.out.flush()


_request_line: _RequestLine | _JsonRequestLine | None = None
"""The writer :func:`configure_logging` set up; none before it, or below its level."""


def log_request(*, method: str, path: str, status: int, duration_ms: float) -> None:
    """One ``http_request`` line with these fields and the request's ids, at level info."""
    if (writer := _request_line) is None:
        return
    writer.write(
        {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "event": "http_request",
        }
    )


def outgoing_headers() -> dict[str, str]:
    """Headers that carry the current request's correlation to another service."""
    ids = current_ids()
    if ids is None:
        return {}
    return {
        "x-request-id": ids.request_id,
        "traceparent": f"00-{ids.trace_id}-{ids.span_id}-01",
    }


RESPONSE_HEADERS = "kring.response_headers"
"""The scope key of the headers the outermost middleware adds to the answer: inner layers
append to it (the rate limits) instead of wrapping ``send`` once more."""


class RequestContextMiddleware:
    """Binds request id and trace context, answers with them, the API's ``version`` and the
    security headers, refuses headers over ``max_header_bytes`` (431) and a path with a
    trailing slash (404), logs one event per request.

    Answers under ``cacheable`` path prefixes (health, metrics, docs) are left cacheable;
    answers under ``docs`` may not be framed."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        quiet_paths: frozenset[str] = frozenset(),
        max_header_bytes: int = 16_384,
        cacheable: tuple[str, ...] = (),
        docs: str = "/docs",
        version: str | None = None,
    ) -> None:
        self.app = app
        self.version = [(b"api-version", version.encode())] if version else []
        self.quiet_paths = quiet_paths
        self.max_header_bytes = max_header_bytes
        self.cacheable = cacheable
        self.docs = docs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        size, sent_id, sent_trace = 0, b"", b""
        for name, value in scope["headers"]:
            size += len(name) + len(value)
            lowered = name.lower()
            if lowered == b"x-request-id":
                sent_id = value
            elif lowered == b"traceparent":
                sent_trace = value
        # One draw for the ids the request does not bring. They identify, and guard nothing: a
        # draw of the random module's, not a system call of ``secrets`` per request.
        fresh = f"{random.getrandbits(288):072x}"
        request_id = sent_id.decode("latin-1")
        if not _REQUEST_ID.match(request_id):
            request_id = fresh[:24]
        match = _TRACEPARENT.match(sent_trace.decode("latin-1"))
        trace_id = match.group(1) if match and match.group(1) != "0" * 32 else fresh[24:56]
        flags = match.group(3) if match else "01"
        span_id = fresh[56:]
        path: str = scope["path"]
        added = [
            (b"x-request-id", request_id.encode()),
            (b"traceparent", f"00-{trace_id}-{span_id}-{flags}".encode()),
            *self.version,
            *_security_headers(path, cacheable=self.cacheable, docs=self.docs),
        ]
        scope[RESPONSE_HEADERS] = added  # type: ignore[literal-required]
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _merged(message.get("headers", []), added)
            await send(message)

        with request_context(request_id=request_id, trace_id=trace_id, span_id=span_id):
            try:
                if size > self.max_header_bytes:
                    await _headers_too_large(send_with_headers, path, size, self.max_header_bytes)
                elif path.endswith("/") and path != "/":
                    await _trailing_slash(send_with_headers, path)
                else:
                    await self.app(scope, receive, send_with_headers)
            finally:
                if path not in self.quiet_paths:
                    log_request(
                        method=scope["method"],
                        path=path,
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")
_NOT_FRAMED = (b"content-security-policy", b"frame-ancestors 'none'")


def _security_headers(path: str, *, cacheable: tuple[str, ...], docs: str) -> list[Any]:
    if path.startswith(docs):
        return [_NOSNIFF, _NOT_FRAMED]
    if path.startswith(cacheable):
        return [_NOSNIFF]
    return [_NOSNIFF, _NO_STORE]


def _merged(headers: Any, added: list[Any]) -> list[Any]:
    """The response's headers and ``added``; a ``Cache-Control`` the route set itself wins."""
    if any(name.lower() == b"cache-control" for name, _ in headers):
        added = [header for header in added if header is not _NO_STORE]
    return [*headers, *added]


async def _headers_too_large(send: Send, path: str, size: int, limit: int) -> None:
    detail = f"The request's headers take {size} bytes; at most {limit} are accepted."
    await _refuse(send, http_problem(431, detail=detail, instance=path))


async def _trailing_slash(send: Send, path: str) -> None:
    detail = f"No resource at {path}: paths never end in a slash (you may mean {path.rstrip('/')})."
    await _refuse(send, http_problem(404, detail=detail, instance=path))


async def _refuse(send: Send, problem: Problem) -> None:
    """Answer ``problem`` before the app runs."""
    body = problem_bytes(problem)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": problem.status,
        "headers": [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
