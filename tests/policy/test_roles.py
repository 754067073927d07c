"""Every role against every operation of the three services, generated from their policies
(``services/<service>/policy.py``, ADR 0080).

For each operation, a token holding one role alone (with every claim a principal of that
service reads: a person, a client organisation, a register) is refused by the policy's guard
(403, its ``detail`` naming the roles the operation needs) exactly when the table does not name
the role; an operation declared public is answered without a token. What an admitted caller
then gets (a 400 for the missing body, a 404 for the made-up id, a 200) is the operation's
own business, and its rows the row-scope tests'. An operation without a declared policy fails
the app's start.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, get

from services.cli import service_module
from services.kit.policy import PUBLIC, Policy
from services.kit.policy_guard import check, handlers_of, operation_of
from services.kit.settings import Settings
from tests.conftest import Token

SERVICES = ("scheduling", "accreditation", "invoicing")
REFUSAL = "This operation needs one of the roles: "
"""How the policy's guard begins its 403 (``kit.policy_guard.PolicyGuard``)."""
CLAIMS: dict[str, Any] = {
    "person": uuid.UUID(int=1),
    "client_org": uuid.UUID(int=2),
    "register": "SKJ",
}
"""Every claim a role may need, so that a refusal is the role's alone."""


def policy_of(service: str) -> Policy:
    policy: Policy = service_module(service, "policy").POLICY
    return policy


CASES = [
    pytest.param(service, operation, id=f"{service}-{operation}")
    for service in SERVICES
    for operation in sorted(policy_of(service).table)
]


@pytest.fixture(scope="module")
def routes(settings_for: Callable[..., Settings]) -> dict[str, dict[str, tuple[str, str]]]:
    """Each service's operations: method and a path with made-up values for its parameters."""
    served: dict[str, dict[str, tuple[str, str]]] = {}
    for service in SERVICES:
        app: Litestar = service_module(service, "app").create_app(settings_for(service))
        served[service] = {}
        for path, handler in handlers_of(app):
            if (operation := operation_of(handler)) is not None:
                (method,) = handler.http_methods
                served[service][operation] = (method, _made_up(path))
    return served


def _made_up(path: str) -> str:
    """``path`` with each parameter a value of its type: a new uuid, or a word."""
    return re.sub(
        r"\{([a-z_]+):([a-z]+)\}",
        lambda m: str(uuid.uuid4()) if m.group(2) == "uuid" else "made-up",
        path,
    )


@pytest.fixture
def clients(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    return {"scheduling": scheduling, "accreditation": accreditation, "invoicing": invoicing}


def refused_by_policy(answer: httpx.Response) -> bool:
    return answer.status_code == 403 and answer.json().get("detail", "").startswith(REFUSAL)


@pytest.mark.parametrize(("service", "operation"), CASES)
async def test_each_role_is_admitted_exactly_as_declared(
    service: str,
    operation: str,
    routes: dict[str, dict[str, tuple[str, str]]],
    clients: dict[str, httpx.AsyncClient],
    auth: Token,
) -> None:
    policy = policy_of(service)
    grants = policy.table[operation]
    method, path = routes[service][operation]
    client = clients[service]
    if grants == PUBLIC:
        answer = await client.request(method, path)
        assert answer.status_code not in (401, 403), (operation, answer.text)
        return
    verdicts = {}
    for role in policy.roles:
        answer = await client.request(method, path, headers=auth(role, **CLAIMS))
        verdicts[role] = not refused_by_policy(answer)
    assert verdicts == {role: role in grants for role in policy.roles}, (
        f"{service} {operation}: admitted (True) or refused (False) by role, against its policy"
    )


def test_every_served_operation_has_a_case(routes: dict[str, dict[str, tuple[str, str]]]) -> None:
    """The cases above are the tables; the app's start holds the tables to what is served."""
    for service in SERVICES:
        assert set(routes[service]) == set(policy_of(service).table), service


@get("/v1/undeclared", operation_id="undeclaredOperation", sync_to_thread=False)
def undeclared() -> None:
    """An operation its service's policy does not declare."""


@pytest.mark.parametrize("service", SERVICES)
def test_an_operation_without_a_declared_policy_fails_the_start(
    service: str, settings_for: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = service_module(service, "app")
    assemble = module.create_service_app

    def with_one_more_route(*args: Any, route_handlers: Any, **options: Any) -> Litestar:
        return assemble(*args, route_handlers=[*route_handlers, undeclared], **options)

    monkeypatch.setattr(module, "create_service_app", with_one_more_route)
    with pytest.raises(ValueError, match="undeclaredOperation: no policy declared"):
        module.create_app(settings_for(service))


def _checked(policy: Policy, *handlers: Any, public_paths: tuple[str, ...] = ()) -> None:
    app = Litestar(route_handlers=list(handlers), openapi_config=None)
    check(policy, app, public_paths=public_paths)


def test_the_start_refuses_a_stale_or_mismatched_policy() -> None:
    """Declared but not served, public but needing a token (and the reverse), a guard or a
    ``before_request`` hook of a route's own, an operation without an id that needs a token:
    each fails the start."""

    def served(**options: Any) -> Iterator[Any]:
        @get("/v1/thing", operation_id="getThing", sync_to_thread=False, **options)
        def thing() -> None:
            """A thing."""

        yield thing

    def policy(**table: Any) -> Policy:
        return Policy(roles=("admin",), scopes={"tenant": "every row"}, table=table)

    (thing,) = served()
    _checked(policy(getThing={"admin": "tenant"}), thing)
    with pytest.raises(ValueError, match="not served"):
        _checked(policy(getThing={"admin": "tenant"}, gone={"admin": "tenant"}), thing)
    with pytest.raises(ValueError, match="getThing: needs a token"):
        _checked(policy(getThing=PUBLIC), thing)
    (open_thing,) = served(exclude_from_auth=True)
    with pytest.raises(ValueError, match="getThing: is open without a token"):
        _checked(policy(getThing={"admin": "tenant"}), open_thing)
    with pytest.raises(ValueError, match="getThing: is open without a token"):
        _checked(policy(getThing={"admin": "tenant"}), thing, public_paths=("^/v1/",))
    _checked(policy(getThing=PUBLIC), thing, public_paths=("^/v1/",))

    async def own_guard(*_: Any) -> None:
        """A guard besides the policy's."""

    (guarded,) = served(guards=[own_guard])
    with pytest.raises(ValueError, match="getThing: guarded by"):
        _checked(policy(getThing={"admin": "tenant"}), guarded)

    async def before_work(*_: Any) -> None:
        """The app's hook, which runs the policy."""

    async def own_hook(*_: Any) -> None:
        """A route's own hook, which Litestar would run instead of the app's."""

    for hooked, refused in ((served(), False), (served(before_request=own_hook), True)):
        app = Litestar(route_handlers=list(hooked), before_request=before_work, openapi_config=None)
        if refused:
            with pytest.raises(ValueError, match="getThing: a before_request hook of its own"):
                check(policy(getThing={"admin": "tenant"}), app, before_work=before_work)
        else:
            check(policy(getThing={"admin": "tenant"}), app, before_work=before_work)

    @get("/v1/nameless", sync_to_thread=False)
    def nameless() -> None:
        """No operation id."""

    with pytest.raises(ValueError, match="nameless: an operation needs an id"):
        _checked(policy(), nameless)
