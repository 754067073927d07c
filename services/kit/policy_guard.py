"""The policy enforced (ADR 0080): the one check of every route, and the check at start that
an app's operations are the ones its policy declares (``kit.policy``: the declaration itself,
plain data that a service's rules may read without reaching Litestar).

The check runs first in the app's one ``before_request`` hook (``kit.app``), where Litestar
runs guards, not as a Litestar guard: Litestar copies the route handler for each guard it
calls, which cost a request more than the check itself (ADR 0042)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from .capabilities import ADMITS_ITSELF
from .errors import Forbidden
from .policy import Policy
from .ratelimit import admit_public


def check(
    policy: Policy,
    app: Litestar,
    *,
    public_paths: Sequence[str] = (),
    before_work: Callable[..., Any] | None = None,
) -> None:
    """Every operation of ``app`` declared, nothing declared that is not served, no route
    with a guard (the policy is the one check) nor, when the app's ``before_work`` hook is
    given, a ``before_request`` hook of its own (Litestar would run it instead of the app's,
    and with it the policy), and public exactly the operations open without a token (by their
    handler, or by a path in ``public_paths``); a handler needing a token and without an
    operation id is refused."""
    served: dict[str, HTTPRouteHandler] = {}
    for path, handler in handlers_of(app):
        operation = operation_of(handler)
        public = is_open(handler, path, public_paths)
        if operation is None:
            if not public:
                raise ValueError(f"{handler.handler_name}: an operation needs an id")
            continue
        served[operation] = handler
        if operation not in policy.table:
            raise ValueError(f"{operation}: no policy declared (services/*/policy.py)")
        if public != (not policy.table[operation]):
            state = "is open without a token" if public else "needs a token"
            raise ValueError(f"{operation}: {state}, its policy says otherwise")
        if guards := handler.resolve_guards():
            raise ValueError(f"{operation}: guarded by {guards}, not by its policy alone")
        if before_work is not None and handler.resolve_before_request() is not before_work:
            raise ValueError(f"{operation}: a before_request hook of its own skips its policy")
    if stale := set(policy.table) - set(served):
        raise ValueError(f"policies of operations not served: {sorted(stale)}")


class PolicyGuard:
    """The one check of every route: the caller holds a role the operation's policy names.

    Called as a guard is, with the connection and its route handler, by the app's
    ``before_request`` hook.
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._refusals = {
            operation: f"This operation needs one of the roles: {', '.join(sorted(grants))}."
            for operation, grants in policy.table.items()
        }

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # Litestar's automatic OPTIONS answer (the Allow header, no data) is not
            # authenticated: there is no principal to judge.
            return
        operation = operation_of(handler)
        if operation is None:
            return  # not an operation of the contract, and checked at start to be open
        grants = self.policy.table.get(operation)
        if grants is None:
            raise Forbidden("This operation has no declared policy.")  # refused at start too
        if not grants:
            _admit_the_public(connection, handler)
        elif not self.policy.admits(operation, connection.user):
            raise Forbidden(self._refusals[operation])


def _admit_the_public(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A call without a token to an operation anyone may call takes from the public's buckets
    (``kit.ratelimit.admit_public``); the event intake under ``/internal/`` (open by path, its
    calls signed by the services) and a handler that admits itself are left alone."""
    limiter = connection.app.state.get("limiter")
    if (
        limiter is None
        or not handler.opt.get("exclude_from_auth")
        or handler.opt.get(ADMITS_ITSELF)
    ):
        return
    admit_public(limiter, connection.scope)


def operation_of(handler: BaseRouteHandler) -> str | None:
    operation = getattr(handler, "operation_id", None)
    return operation if isinstance(operation, str) else None


def is_open(handler: BaseRouteHandler, path: str, public_paths: Sequence[str]) -> bool:
    """Whether ``handler`` (served at ``path``) is called without a token."""
    opened = bool(handler.opt.get("exclude_from_auth"))
    return opened or any(re.match(pattern, path) for pattern in public_paths)


def handlers_of(app: Litestar) -> list[tuple[str, HTTPRouteHandler]]:
    """Each handler of ``app`` with its path, but Litestar's automatic ``OPTIONS`` answers."""
    return [
        (route.path, handler)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "OPTIONS" not in handler.http_methods or len(handler.http_methods) > 1
    ]
