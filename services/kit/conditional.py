"""The middleware of retries and concurrent edits: ``Idempotency-Key`` (``kit.idempotency``),
``ETag``, ``If-None-Match`` and ``If-Match`` (``kit.etags``).

A request without ``Idempotency-Key`` or ``If-Match`` passes through; only its answer is
tagged. One with either gets its transaction from here rather than from the ``conn``
dependency, which then hands the handler this transaction (:data:`etags.OWNED_CONN`): the key is
claimed and the precondition checked in it, the handler's answer is held back, stored with the
key and committed, and only then sent. A refusal rolls the transaction back, unless the handler
recorded it there (``errors.recording``).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import asyncpg
from litestar.types import ASGIApp

from . import idempotency, refusals
from .db import transaction
from .errors import DomainError
from .etags import (
    OWNED_CONN,
    RECORDED,
    WRITES,
    Captured,
    Message,
    Operation,
    Receive,
    Scope,
    current_tag,
    matches,
    operation,
    precondition_failed,
    resource_lock,
    tagging_send,
)
from .principal import Principal
from .problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem, problem_bytes
from .request_context import current_request_id


class _Discard(Exception):
    """The held answer is sent, but nothing of the transaction is kept."""


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def _problem(scope: Scope, error: DomainError, *, tag: str | None) -> Captured:
    answer = Captured()
    request_id = current_request_id()
    answer.status = error.status
    answer.headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode())]
    if tag is not None:
        answer.headers.append((b"etag", tag.encode()))
    answer.body = problem_bytes(
        Problem(
            type=PROBLEM_TYPE_BASE + error.type,
            title=error.title,
            status=error.status,
            detail=error.detail,
            instance=scope["path"],
            request_id=request_id,
            errors=error.errors,
        )
    )
    return answer


async def _read_body(receive: Receive, limit: int) -> tuple[list[Message], bytes | None]:
    """The request's messages as read, and its body (``None`` over ``limit``: refused later)."""
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if len(body) > limit:
            return messages, None
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages, body


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


class ConditionalMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app: Any = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        op = operation(scope) if scope["type"] == "http" else None
        principal = scope.get("user")
        key = _header(scope, idempotency.HEADER) if scope.get("method") == "POST" else None
        if_match = _header(scope, b"if-match") if op and op.resource else None
        if not isinstance(principal, Principal) or (key is None and if_match is None):
            await self.app(scope, receive, tagging_send(scope, send, op))
            return
        digest = idempotency.digest_of(key) if key is not None else None
        messages, body = await _read_body(receive, scope["app"].state.settings.max_body_bytes)
        receive = _replaying(messages, receive)
        if body is None:
            digest = None  # too large: the app answers 413, nothing is claimed
        request = idempotency.fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b""), body or b""
        )
        answer, extra = await self._owned(scope, receive, principal, op, digest, request, if_match)
        await answer.replay(send, extra=extra)

    async def _owned(
        self,
        scope: Scope,
        receive: Receive,
        principal: Principal,
        op: Operation | None,
        key: bytes | None,
        request: bytes,
        if_match: str | None,
    ) -> tuple[Captured, list[tuple[bytes, bytes]]]:
        """The answer to send once the transaction is over, and the headers to add to it."""
        org_id = principal.org_id
        answer = Captured()
        try:
            async with transaction(
                scope["app"].state.pool, org_id=org_id, also=resource_lock(scope, org_id)
            ) as conn:
                if key is not None and not await idempotency.claim(conn, org_id, key, request):
                    kept = await idempotency.stored(conn, org_id, key)
                    if kept.fingerprint != request:
                        raise idempotency.reused()
                    answer.status, answer.headers, answer.body = (
                        kept.status,
                        kept.headers,
                        kept.body,
                    )
                    return answer, [idempotency.REPLAYED]
                answer = await self._checked(scope, receive, conn, op, if_match)
                stored = (
                    key is not None
                    and answer.status < 500
                    and answer.status not in idempotency.NOT_STORED
                )
                recorded = bool(scope.get("state", {}).get(RECORDED))  # errors.recording
                if answer.status >= 400 and not (stored or recorded):
                    raise _Discard
                if key is not None and stored:
                    await idempotency.store(
                        conn,
                        org_id,
                        key,
                        status=answer.status,
                        headers=answer.headers,
                        body=answer.body,
                        recorded=recorded,
                    )
                elif key is not None:  # a recorded refusal not to store: its record commits
                    await idempotency.release(conn, org_id, key)
        except _Discard:
            pass
        return answer, []

    async def _checked(
        self,
        scope: Scope,
        receive: Receive,
        conn: asyncpg.Connection,
        op: Operation | None,
        if_match: str | None,
    ) -> Captured:
        """The 412 of a stale ``If-Match``, or else the handler's answer, held back."""
        if op is not None and if_match is not None and scope["method"] in WRITES:
            tag = await current_tag(scope, conn, op)
            if tag is None or not matches(if_match, tag, weak=False):
                return _problem(scope, precondition_failed(tag), tag=tag)
        answer = Captured()
        scope.setdefault("state", {})[OWNED_CONN] = conn
        await self.app(scope, receive, tagging_send(scope, answer.send, op))
        return answer


def _problem_spec(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}


def _header_parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


_IDEMPOTENCY_KEY = _header_parameter(
    "Idempotency-Key",
    "A key of your choice (a UUID, say) that makes retries of this request safe: for 24 hours"
    " the first answer to the key, stored with its effect, is answered again to any request"
    " with the same key, marked `Idempotent-Replayed: true`, and nothing is done twice."
    " Concurrent requests with one key wait for the first. The same key with another method,"
    " path, query or body is a 422. Answers of 401, 403, 429 and 5xx are not stored.",
    minLength=1,
    maxLength=idempotency.MAX_LENGTH,
    pattern="^[ -~]+$",
)
_ETAG = {
    "description": "The strong entity tag of this representation; send it as `If-None-Match`"
    " to read it again only when it changed, or as `If-Match` to change it only if no one"
    " else did.",
    "schema": {"type": "string"},
}
_REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same"
    " `Idempotency-Key`.",
    "schema": {"type": "string", "enum": ["true"]},
}


def describe(document: dict[str, Any], operations: dict[tuple[str, str], Operation]) -> None:
    """Document, in every operation of ``document``, the headers this middleware reads and
    writes and the answers it adds (304, 412, 422)."""
    for path, item in document.get("paths", {}).items():
        for method, spec in item.items():
            op = operations.get((method.upper(), path))
            if op is None:
                continue
            parameters, responses = spec.setdefault("parameters", []), spec["responses"]
            answers = [r for status, r in responses.items() if str(status).startswith("2")]
            if op.tagged:
                for answer in answers:
                    answer.setdefault("headers", {})["ETag"] = deepcopy(_ETAG)
            if method == "get":
                parameters.append(
                    _header_parameter(
                        "If-None-Match",
                        "ETags of representations you hold: when one is current, the answer"
                        " is 304 with no body.",
                    )
                )
                responses["304"] = {
                    "description": "Not modified: the representation named by `If-None-Match`"
                    " is current.",
                    "headers": {"ETag": deepcopy(_ETAG)},
                }
            if method == "post" and spec.get("security") != [{}]:  # a public POST has no tenant
                parameters.append(deepcopy(_IDEMPOTENCY_KEY))
                for answer in answers:
                    answer.setdefault("headers", {})["Idempotent-Replayed"] = deepcopy(_REPLAYED)
                responses.setdefault(
                    "422",
                    _problem_spec(
                        "The `Idempotency-Key` was used for another request (`errors` names"
                        " `header.Idempotency-Key`)."
                    ),
                )
                refusals.add(responses["422"], idempotency.KEY_REUSED)
            if method != "get" and op.resource is not None:
                parameters.append(
                    _header_parameter(
                        "If-Match",
                        f"Change only if `GET {op.resource}` still answers one of these ETags"
                        " (`*`: any); writes on that resource queue, so two writers never pass"
                        " with one ETag.",
                    )
                )
                responses["412"] = _problem_spec(
                    f"`If-Match` names no current ETag of `GET {op.resource}` (or that resource"
                    " cannot be read): nothing was changed; `ETag` is the current one."
                )
            spec["responses"] = dict(sorted(responses.items(), key=lambda kv: str(kv[0])))
