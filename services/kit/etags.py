"""ETags: a strong tag of an answer's bytes; ``If-None-Match`` on reads, ``If-Match`` on writes.

- A single resource's GET answer (200, complete) carries ``ETag``: a hash of its bytes, so it is
  always true and needs no version column. A list (a Struct with ``items``) carries none. A
  write whose answer is its resource's representation (the type the resource's GET answers)
  carries the tag that GET would give.
- ``If-None-Match`` on a GET that matches answers 304 with no body.
- A write's *resource* is the longest prefix of its path that a GET with a path parameter reads
  (``/v1/sessions/{session_id}`` for ``…/close``). Every write on a resource takes a
  transaction-level advisory lock on it in the round trip of its ``BEGIN``, so writes on one
  resource queue (:func:`resource_lock`). With ``If-Match`` the kit reads the resource's GET on
  the write's own connection under that lock (:func:`current_tag`): a tag that does not match is
  a 412, and no two writers can pass with one tag.
"""

from __future__ import annotations

import base64
import hashlib
import typing
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar import Litestar, Response
from litestar.routes import HTTPRoute

from .db import lock_key
from .errors import DomainError, FieldError

Scope = dict[str, Any]
Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
"""ASGI, loosely typed: the kit's middleware reads and writes plain HTTP messages."""

OWNED_CONN = "kring.conn"
"""``scope["state"]`` key of a connection whose transaction the kit's middleware owns."""
RECORDED = "kring.recorded"
"""``scope["state"]`` key set when the handler's refusal is recorded in that transaction
(``errors.recording``): the middleware commits it."""
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DROPPED = {b"if-match", b"if-none-match", b"idempotency-key", b"content-length", b"content-type"}


class PreconditionFailed(DomainError):
    status = 412
    type = "precondition-failed"
    title = "The resource has changed"


@dataclass(frozen=True, slots=True)
class Operation:
    """What the kit knows of one operation: the GET template of the resource it reads or
    writes (``None``: a creation or a collection's action), that template's segment count, and
    whether its 2xx answer is that resource's representation (then it carries ``ETag``)."""

    resource: str | None
    depth: int
    tagged: bool


def tag_of(body: bytes) -> str:
    """A strong entity tag: the first 128 bits of the body's SHA-256, base64url, quoted."""
    digest = hashlib.sha256(body).digest()[:16]
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode() + '"'


def matches(header: str, tag: str, *, weak: bool) -> bool:
    """Whether an ``If-Match`` (strong comparison) or ``If-None-Match`` (``weak``) list names
    ``tag``; ``*`` names any current representation."""
    for candidate in (part.strip() for part in header.split(",")):
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            if weak and candidate[2:] == tag:
                return True
        elif candidate == tag:
            return True
    return False


def _answer_type(route: HTTPRoute, method: Any) -> Any:
    annotation = route.route_handler_map[method][0].parsed_fn_signature.return_type.annotation
    if typing.get_origin(annotation) is Response:
        (annotation,) = typing.get_args(annotation)
    return annotation


def _collection(answer: Any) -> bool:
    """A list (a page, or all of a kind): its ``items`` change as others write, and it is read
    again rather than written back, so it carries no ``ETag`` (and costs no hash)."""
    fields = getattr(answer, "__struct_fields__", ())
    return "items" in fields


def operations_of(app: Litestar) -> dict[tuple[str, str], Operation]:
    """Every documented operation of the app, keyed by method and path template."""
    routes = [r for r in app.routes if isinstance(r, HTTPRoute)]
    reads = {r.path_format: _answer_type(r, "GET") for r in routes if "GET" in r.methods}
    result: dict[tuple[str, str], Operation] = {}
    for route in routes:
        segments = route.path_format.split("/")
        for method in route.methods & (WRITES | {"GET"}):
            answer = _answer_type(route, method)
            if method == "GET":
                result[method, route.path_format] = Operation(
                    route.path_format, len(segments), not _collection(answer)
                )
                continue
            prefixes = ("/".join(segments[:n]) for n in range(len(segments), 1, -1))
            resource = next((p for p in prefixes if p in reads and "{" in p), None)
            depth = resource.count("/") + 1 if resource else 0
            tagged = resource is not None and reads[resource] == answer
            created = [p for p in reads if p.startswith(route.path_format + "/{")]
            tagged = tagged or any(
                p.count("/") == len(segments) and reads[p] == answer for p in created
            )
            result[method, route.path_format] = Operation(resource, depth, tagged)
    return result


def operation(scope: Scope) -> Operation | None:
    operations: dict[tuple[str, str], Operation] = scope["app"].state.operations
    return operations.get((scope["method"], scope.get("path_template", "")))


def resource_path(scope: Scope, op: Operation) -> str:
    return "/".join(scope["path"].split("/")[: op.depth])


def resource_lock(scope: Any, org_id: uuid.UUID) -> str:
    """The statement that makes writes on one resource of a tenant queue (``""`` for a read or
    a write on no resource): an advisory lock whose key is a hash of service, tenant and path,
    inlined (an integer) so that it travels with ``BEGIN``."""
    op = operation(scope) if scope["method"] in WRITES else None
    if op is None or op.resource is None:
        return ""
    key = lock_key(scope["app"].state.schema, org_id, resource_path(scope, op))
    return f"; SELECT pg_advisory_xact_lock({key})"


async def current_tag(scope: Scope, conn: asyncpg.Connection, op: Operation) -> str | None:
    """The tag of the resource's representation now, read by its GET on ``conn`` (``None``
    when the caller gets no 200 for it: missing, or not theirs to see)."""
    app: Litestar = scope["app"]
    path = resource_path(scope, op)
    _, handler, path, params, template = app.asgi_router.handle_routing(path=path, method="GET")
    route = next(r for r in app.routes if isinstance(r, HTTPRoute) and r.path_format == template)
    headers = [(k, v) for k, v in scope["headers"] if k not in _DROPPED]
    read = {**scope, "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b""}
    read.update(headers=headers, path_params=params, route_handler=handler, path_template=template)
    read["state"] = {OWNED_CONN: conn}
    answer = Captured()
    try:
        await route.handle(read, _no_body, answer.send)  # type: ignore[arg-type]
    except Exception as exc:
        if getattr(exc, "status", getattr(exc, "status_code", 500)) >= 500:
            raise
        return None
    return tag_of(answer.body) if answer.status == 200 else None


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class Captured:
    """An answer held back instead of sent: its status, headers and body."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    def header(self, name: bytes) -> str | None:
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == name), None)

    async def replay(self, send: Send, *, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
        headers = [(k, v) for k, v in self.headers if k.lower() != b"content-length"]
        headers += [*extra, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def precondition_failed(current: str | None) -> PreconditionFailed:
    message = (
        "the resource has no representation you may read"
        if current is None
        else f"the resource's current ETag is {current}"
    )
    return PreconditionFailed(
        f"If-Match does not match the resource: {message}.",
        errors=[FieldError(field="header.If-Match", rule="precondition", message=message)],
    )


def tagging_send(scope: Scope, send: Send, op: Operation | None) -> Send:
    """``send`` that adds ``ETag`` to a complete 2xx answer of a tagged operation, and answers a
    GET whose ``If-None-Match`` names it 304 with no body."""
    if op is None or not op.tagged:
        return send
    wanted = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"if-none-match"), None)
    held: list[Message] = []

    async def tagged(message: Message) -> None:
        if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
            held.append(message)
            return
        if not held or message["type"] != "http.response.body":
            await send(message)
            return
        start = held.pop()
        body = message.get("body", b"")
        if message.get("more_body", False) or not body:
            await send(start)
            await send(message)
            return
        tag = tag_of(body)
        headers = [*start.get("headers", []), (b"etag", tag.encode())]
        if scope["method"] == "GET" and wanted is not None and matches(wanted, tag, weak=True):
            kept = [
                (k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send({**start, "headers": headers})
        await send(message)

    return tagged
