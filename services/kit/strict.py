"""Requests are taken as sent or refused, never silently trimmed.

A ``before_request`` hook refuses query parameters a route does not declare and
control characters in path and query values. (Contracts write patterns as
``^…$``; in Python ``$`` also matches before a final newline, in JSON Schema it
does not, so ``abc\\n`` would pass here while the contract says it must not.)
"""

from __future__ import annotations

import re
from typing import Any, cast

from litestar import Litestar, Request
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from .errors import FieldError, InvalidInput

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def declared_query_parameters(app: Litestar) -> dict[HTTPRouteHandler, frozenset[str]]:
    allowed: dict[HTTPRouteHandler, frozenset[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler, kwargs_model in route.route_handler_map.values():
                allowed[handler] = frozenset(
                    p.field_alias for p in kwargs_model.expected_query_params
                )
    return allowed


def strict_parameters() -> Any:
    """The hook; it reads the app's routes on its first call, when they are all registered."""
    allowed: dict[HTTPRouteHandler, frozenset[str]] = {}

    # Asynchronous on purpose: Litestar runs a synchronous hook in a worker thread.
    async def refuse_unknown_and_control(request: Request[Any, Any, Any]) -> None:
        if not allowed:
            allowed.update(declared_query_parameters(request.app))
        handler = cast("HTTPRouteHandler", request.scope["route_handler"])
        errors = [
            FieldError(
                field=f"query.{name}",
                rule="unknown_parameter",
                message="this route takes no such parameter",
            )
            for name in request.query_params
            if name not in allowed.get(handler, frozenset())
        ]
        errors += [
            FieldError(
                field=f"{source}.{name}",
                rule="control_character",
                message="control characters are not allowed",
            )
            for source, values in (
                ("query", request.query_params.multi_items()),
                ("path", request.path_params.items()),
            )
            for name, value in values
            if isinstance(value, str) and CONTROL.search(value)
        ]
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)

    return refuse_unknown_and_control
