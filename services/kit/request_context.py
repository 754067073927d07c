"""The ids of the request being served: its request id and its W3C trace context.

:class:`~services.kit.observability.RequestContextMiddleware` sets them for each request; every
log line carries them (:func:`add_request_ids`, a structlog processor), events and processing log
entries record the request id (:func:`current_request_id`), and calls to other services pass
them on (:func:`~services.kit.observability.outgoing_headers`).

One context variable holds the three: setting and resetting it is one operation each, and
reading it is one lookup, where structlog's bound context variables cost a variable per key and
a copy of the whole context for each log line (the request log line was 12 % of the registrant
query's CPU in process, measured; ADR 0044).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple


class RequestIds(NamedTuple):
    request_id: str
    trace_id: str
    span_id: str


_CURRENT: ContextVar[RequestIds | None] = ContextVar("kring_request_ids", default=None)


def current() -> RequestIds | None:
    """The ids of the request being served, if any."""
    return _CURRENT.get()


def current_request_id() -> str | None:
    """The id of the request being served, to carry into events it causes."""
    ids = _CURRENT.get()
    return ids.request_id if ids is not None else None


@contextmanager
def request_context(*, request_id: str, trace_id: str, span_id: str) -> Iterator[RequestIds]:
    """The ids in force for the block (the middleware's, for each request)."""
    ids = RequestIds(request_id, trace_id, span_id)
    token = _CURRENT.set(ids)
    try:
        yield ids
    finally:
        _CURRENT.reset(token)


def add_request_ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """A structlog processor: the request's ids on every line logged while it is served."""
    ids = _CURRENT.get()
    if ids is not None:
        event.setdefault("request_id", ids.request_id)
        event.setdefault("trace_id", ids.trace_id)
        event.setdefault("span_id", ids.span_id)
    return event
