"""OpenAPI links: from an operation's answer to the operations a client can call next on what
it made or names (create a group, then read it, add its members, plan its sessions).

A route declares them in its options, ``opt=links(link("getGroup", group_id="id"), ...)``;
:func:`describe` writes them into every 2xx answer of the operation in the contract. A value
is an OpenAPI runtime expression (``$request.path.session_id``), or a field of the answer's
body for short (``id``, ``sessions/0/id``: ``$response.body#/id``). ``body`` fills fields of
the target's request body the same way. Clients follow them, and so does schemathesis'
stateful phase.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute

OPTION = "links"


class Link(msgspec.Struct, frozen=True, kw_only=True):
    operation_id: str
    parameters: dict[str, str]
    body: dict[str, str] | None = None


def link(operation_id: str, /, *, body: Mapping[str, str] | None = None, **parameters: str) -> Link:
    return Link(
        operation_id=operation_id,
        parameters=dict(parameters),
        body=dict(body) if body is not None else None,
    )


def links(*declared: Link) -> dict[str, Any]:
    """A route's options (``opt=``) declaring ``declared``."""
    return {OPTION: declared}


def _expression(value: str) -> str:
    return value if value.startswith("$") else f"$response.body#/{value}"


def _definition(declared: Link) -> dict[str, Any]:
    definition: dict[str, Any] = {"operationId": declared.operation_id}
    if declared.parameters:
        definition["parameters"] = {k: _expression(v) for k, v in declared.parameters.items()}
    if declared.body is not None:
        definition["requestBody"] = {k: _expression(v) for k, v in declared.body.items()}
    return definition


def _declared(app: Litestar) -> Iterable[tuple[str, tuple[Link, ...]]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.operation_id and (found := handler.opt.get(OPTION)):
                    yield str(handler.operation_id), found


def describe(document: dict[str, Any], app: Litestar) -> None:
    """Write each route's links into its operation's 2xx answers in ``document``; a link to an
    operation the document lacks fails the build (a renamed operation must not strand it)."""
    operations = {
        op["operationId"]: op
        for item in document.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    for source, declared in _declared(app):
        if unknown := {d.operation_id for d in declared} - operations.keys():
            raise ValueError(f"{source}: links to unknown operations {sorted(unknown)}")
        for status, answer in operations[source]["responses"].items():
            if str(status).startswith("2"):
                definitions = {d.operation_id: _definition(d) for d in declared}
                answer["links"] = dict(sorted(definitions.items()))
