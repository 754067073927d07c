"""The three services as schemathesis calls them: served over HTTP as ``kring run`` wires
them, holding one tenant's data, called with real tokens (ADR 0052).

- **Tokens.** Each case is sent with a token of a role its operation's guard admits (admin
  where it may; else the role the guard names, with the claims that role needs), read from
  the apps' guards, so a new operation is covered as it lands. The auth provider registered
  on each schema marks a case as authenticated (:data:`PENDING`): cases are generated when
  pytest collects, before the tenant's people exist, so the token goes with the call
  (:meth:`Platform.prepare`). schemathesis' own no-auth and bad-auth probes stay as they are.
- **Real data.** The seed makes a tenant's data through the APIs (a client organisation,
  people, a facilitator, groups, sessions open and closed, a register, ledger entries,
  subscriptions, a billing profile, debtors, cost sheets and invoices). An id of a case that
  neither the seed nor an answer named is replaced by the tenant's real one of that name
  (:attr:`Tenant.ids`, :attr:`Tenant.at`), or by a fresh one where a call uses it up; ids an
  answer named (the stateful phase's links) are kept.
- **Reach.** Every answer is counted per operation and status (:class:`Reach`), so a test can
  fail for an operation that never answered 2xx.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import msgspec
import schemathesis
import yaml
from litestar import Litestar
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import APIStateMachine

from services import topology
from services.cli import ROOT, service_module
from services.kit import webhooks
from services.kit.policy import Policy
from services.kit.settings import Settings
from tests.servers import ThreadedServer

SERVICES = ("accreditation", "scheduling", "invoicing")
Id = str | Callable[[], str]
"""A real id, or what makes a fresh one for each case (a resource one call uses up)."""
PENDING = "Bearer pending"
"""What the auth provider sets; :meth:`Platform.prepare` swaps in the operation's token."""
CONTAINERS = {
    ParameterLocation.PATH: "path_parameters",
    ParameterLocation.QUERY: "query",
    ParameterLocation.BODY: "body",
}
"""Where a case holds what :meth:`Platform.prepare` gives real ids."""
PREFIXES = {
    ParameterLocation.PATH: "",
    ParameterLocation.QUERY: "query.",
    ParameterLocation.BODY: "body.",
}
"""How :attr:`Tenant.ids` names a value of each place (``body.facilitator_id``)."""
KEYS = frozenset({"id", "external_id", "code", "key", "register_code"})
"""The fields of an answer, besides ``*_id``, whose values name something a case may name."""
ROLE_ORDER = ("admin", "service", "facilitator", "participant", "registrar", "hr")
"""The role a case is sent with: the first of these its operation's guard admits."""
SUBSCRIBERS = "contract-"
"""The prefix of the names of the platform's internal subscribers."""
SINK = "http://127.0.0.1:9/events"
"""Where the tenant's webhook subscriptions send its events: nobody, so deliveries exist."""


class Pending:
    """schemathesis' auth provider: marks a case as authenticated (see the module's doc)."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return PENDING

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def load(service: str) -> schemathesis.schemas.BaseSchema:
    """The committed contract of ``service``, with :class:`Pending` as its auth."""
    schema = schemathesis.openapi.from_path(ROOT / "contracts" / f"{service}.yaml")
    schema.auth(refresh_interval=None)(Pending)
    return schema


def operation_id(case: schemathesis.Case) -> str:
    return str(case.operation.definition.raw["operationId"])


def guards_of(app: Litestar) -> dict[str, frozenset[str]]:
    """Each documented operation's roles: those its service's policy admits (ADR 0080)."""
    policy: Policy = app.state.policy
    return {operation: frozenset(grants) for operation, grants in policy.table.items()}


class Reach:
    """Every answer, counted by service, operation and status."""

    def __init__(self) -> None:
        self.statuses: dict[tuple[str, str], Counter[int]] = {}
        self.failures: dict[str, list[str]] = {service: [] for service in SERVICES}
        """Per service, the failed checks of the stateful phase (:meth:`Platform.machine`)."""
        self.steps: Counter[str] = Counter()
        """Per service, the calls of the stateful phase."""

    def record(self, service: str, case: schemathesis.Case, status: int) -> None:
        self.statuses.setdefault((service, operation_id(case)), Counter())[status] += 1

    def unreached(self, service: str, schema: schemathesis.schemas.BaseSchema) -> dict[str, str]:
        """The operations of ``schema`` that never answered 2xx, with what they answered."""
        missing = {}
        for result in schema.get_all_operations():
            operation = result.ok()
            op_id = str(operation.definition.raw["operationId"])
            answers = self.statuses.get((service, op_id), Counter())
            if not any(200 <= status < 300 for status in answers):
                heard = ", ".join(f"{status} ({n} times)" for status, n in answers.most_common())
                missing[f"{operation.label} ({op_id})"] = (
                    f"answered {heard}" if heard else "never called"
                )
        return missing


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json()


@dataclass
class Tenant:
    """One organisation's data, made through the APIs; the ids a case may name."""

    org: uuid.UUID = field(default_factory=uuid.uuid4)
    ids: dict[str, dict[str, Id]] = field(default_factory=dict)
    """Per service, a parameter's or body field's name and the id it names by default."""
    at: dict[str, dict[str, dict[str, Id]]] = field(default_factory=dict)
    """Per service, per path (an operation's path starts with it) or operation id, the ids
    that differ there (``/facilitators/``: the facilitator's person)."""
    claims: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """Per service and role, the claims that narrow a token (``person``, ``register``)."""
    days: Iterator[int] = field(default_factory=itertools.count)

    def day(self) -> date:
        """A day of its own for each session the platform plans (sessions sharing a person never
        overlap), past (a session closes once it began), in the cycle of an SKJ registration of
        2021 that holds 2026-03-26 (the examples' day); the morning, when no example meets."""
        return date(2025, 3, 3) + timedelta(days=next(self.days))


AGREEMENT = {
    "ground_rules": "We beginnen op tijd.\nWe brengen elk een casus in.",
    "confidentiality": "Wat in de groep besproken wordt, blijft in de groep.",
}
GROUP = {
    "name": "Intervisiegroep",
    "mode": "in_person",
    "location": "Utrecht",
    "agreement": AGREEMENT,
}
SKJ = "SKJ"


class Platform:
    """The three services served over HTTP on the test database, and a tenant's data in them."""

    def __init__(
        self,
        apps: Mapping[str, Litestar],
        servers: Mapping[str, ThreadedServer],
        token_for: Callable[..., dict[str, str]],
    ) -> None:
        self.apps = dict(apps)
        self.servers = dict(servers)
        self.token_for = token_for
        self.roles = {service: guards_of(app) for service, app in apps.items()}
        self.tenant = Tenant()
        self.examples = _example_ids()
        self.known: dict[str, set[str]] = {service: set() for service in SERVICES}
        """Per service, every id the seed made or an answer named, and every key (an external
        id, a code) an answer named, as ``collection:key`` (:func:`_known_as`)."""
        self._generated: dict[int, tuple[schemathesis.Case, Any, Any]] = {}
        """Each prepared case, its values as generated and as prepared (:meth:`prepare`)."""
        self.reach = Reach()
        self._tokens: dict[tuple[str, str], str] = {}

    @classmethod
    @contextmanager
    def started(
        cls,
        settings_for: Callable[..., Settings],
        token_for: Callable[..., dict[str, str]],
        database_url: str,
    ) -> Iterator[Platform]:
        """The services as ``kring run`` wires them (``services.topology``): scheduling's
        events delivered to accreditation and invoicing, each calling the API it calls."""
        deferred = {service: _Deferred() for service in SERVICES}
        servers = {service: ThreadedServer(deferred[service]) for service in SERVICES}
        urls = {service: server.url for service, server in servers.items()}
        secret = webhooks.new_secret()
        apps: dict[str, Litestar] = {}
        for service in SERVICES:
            settings = settings_for(service, **_wiring(service, urls, secret))
            apps[service] = deferred[service].app = service_module(service, "app").create_app(
                settings
            )
        with ExitStack() as stack:
            stack.callback(_pause_subscribers, database_url)
            for server in servers.values():
                stack.enter_context(server)
            platform = cls(apps, servers, token_for)
            platform.seed()
            yield platform

    def base_url(self, service: str, schema: schemathesis.schemas.BaseSchema) -> str:
        """The service's URL and the path its contract's server names (``/v1``)."""
        return self.servers[service].url + urlsplit(schema.raw_schema["servers"][0]["url"]).path

    def machine(
        self, service: str, schema: schemathesis.schemas.BaseSchema
    ) -> type[APIStateMachine]:
        """schemathesis' state machine of ``schema``, calling as :meth:`call` does. A failed
        check is kept in :attr:`Reach.failures` with the steps that led to it, and the scenario
        goes on: hypothesis would replay a failing scenario, against a server whose state has
        moved on since, and report that the replay went differently (a ``Flaky`` error) instead
        of the failure."""
        platform, base_url = self, self.base_url(service, schema)

        class Machine(schema.as_state_machine()):  # type: ignore[misc]
            steps: list[str]
            headers: dict[str, str]

            def setup(self) -> None:
                self.steps = []

            def before_call(self, case: schemathesis.Case) -> None:
                self.headers = platform.prepare(service, case)

            def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
                return {"base_url": base_url, "headers": self.headers}

            def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
                super().after_call(response, case)
                platform.answered(service, case, response)
                body = f" {case.body}" if isinstance(case.body, dict) else ""
                step = f"{case.method} {case.formatted_path}{body[:120]}: {response.status_code}"
                self.steps.append(step)
                platform.reach.steps[service] += 1

            def validate_response(
                self,
                response: schemathesis.Response,
                case: schemathesis.Case,
                additional_checks: Any = None,
                **kwargs: Any,
            ) -> None:
                # schemathesis' own probes (a call without the token) are sent with these
                # keyword arguments: they carry no token.
                kwargs.pop("headers", None)
                try:
                    super().validate_response(response, case, additional_checks, **kwargs)
                except FailureGroup as failed:
                    steps = "\n".join(f"  {step}" for step in self.steps)
                    platform.reach.failures[service].append(f"{failed}\nafter:\n{steps}")

        return Machine

    def token(self, service: str, role: str) -> str:
        if (service, role) not in self._tokens:
            claims = self.tenant.claims.get(service, {}).get(role, {})
            headers = self.token_for(self.tenant.org, role, ttl=3600, subject=role, **claims)
            self._tokens[service, role] = headers["Authorization"]
        return self._tokens[service, role]

    def role(self, service: str, case: schemathesis.Case) -> str:
        admitted = self.roles[service].get(operation_id(case), frozenset())
        return next((role for role in ROLE_ORDER if role in admitted), "admin")

    def prepare(self, service: str, case: schemathesis.Case) -> dict[str, str]:
        """Make ``case`` a real client's call: real ids for ids never seen; the headers to send
        it with: its role's token, when it is sent with one.

        The token goes with the call, not into the case: a changed case is judged again, and
        schemathesis cannot judge again what made some cases invalid (an unknown header)."""
        sent = {}
        if case.headers and case.headers.get("Authorization") == PENDING:
            sent["Authorization"] = self.token(service, self.role(service, case))
        meta = case.meta
        negative = {where for where in ParameterLocation if meta and meta.is_negative_at(where)}
        # A fresh resource for a valid case only: an invalid one is refused before it is used.
        fresh = meta is None or meta.generation.mode.is_positive
        # Cases may share their containers (variations of one example): ids are swapped in
        # copies, and a container is set only where one changed (setting one has schemathesis
        # judge it again). A case sent again as this left it (hypothesis replays one) is
        # prepared again from its values as generated, so that it gets fresh ids again.
        current = (case.path_parameters, case.query, case.body)
        kept = self._generated.get(id(case))
        if kept is None or kept[2] != current:
            kept = (case, _copied(current), current)
        prepared = []
        for location, generated, now in zip(CONTAINERS, kept[1], current, strict=True):
            values = _copied(generated)
            if isinstance(values, dict | list) and location not in negative:
                self._swap(service, case, values, PREFIXES[location], fresh=fresh)
            if values != now:
                setattr(case, CONTAINERS[location], values)
            prepared.append(values)
        self._generated[id(case)] = (case, kept[1], _copied(tuple(prepared)))
        return sent

    def _swap(
        self,
        service: str,
        case: schemathesis.Case,
        values: Any,
        prefix: str,
        listed: str = "",
        *,
        fresh: bool,
    ) -> None:
        """Replace each value of ``values`` (in a body: at any depth) that names nothing the
        platform has seen by the tenant's real one of its name (an item of a list: the list's
        name, ``listed``)."""
        items = enumerate(values) if isinstance(values, list) else list(values.items())
        for name, value in items:
            field = name if isinstance(name, str) else listed
            if isinstance(value, dict | list):
                listed = field if isinstance(value, list) else ""
                self._swap(service, case, value, prefix, listed, fresh=fresh)
                continue
            real = self._real(service, case, f"{prefix}{field}") if field else None
            example = str(value) in self.examples  # an answer may echo it; it names nothing real
            seen = not example and _known_as(str(value), case.path) in self.known[service]
            if callable(real) and not fresh:
                real = None  # (a shared one would be used up by the invalid cases it admits)
            if real is not None and not seen and _looks_like(value, real):
                values[name] = real() if callable(real) else real

    def _real(self, service: str, case: schemathesis.Case, name: str) -> Id | None:
        """The tenant's id ``name`` names in ``case``'s operation: the operation's own, else its
        path's (the longest path that starts it), else the service's; ``""``: keep the value
        generated (an upsert by the caller's key makes what it names)."""
        at = self.tenant.at.get(service, {})
        paths = sorted((p for p in at if p.startswith("/") and case.path.startswith(p)), key=len)
        for place in (operation_id(case), *reversed(paths)):
            if name in at.get(place, {}):
                return at[place][name] or None
        return self.tenant.ids.get(service, {}).get(name)

    def call(
        self, service: str, schema: schemathesis.schemas.BaseSchema, case: schemathesis.Case
    ) -> schemathesis.Response:
        """``case`` prepared and sent; its answer counted and its ids learnt."""
        headers = self.prepare(service, case)
        response = case.call(base_url=self.base_url(service, schema), headers=headers)
        self.answered(service, case, response)
        return response

    def answered(
        self, service: str, case: schemathesis.Case, response: schemathesis.Response
    ) -> None:
        self.reach.record(service, case, response.status_code)
        media = response.headers.get("content-type", [""])[0].split(";")[0].strip()
        if 200 <= response.status_code < 300 and media == "application/json":
            self.learn(service, response.json(), case.path)

    def learn(self, service: str, value: Any, path: str, key: str = "") -> None:
        """Every id and key an answer (to a case of ``path``) names is one a later case may
        name as it stands."""
        if isinstance(value, dict):
            for name, item in value.items():
                self.learn(service, item, path, name)
        elif isinstance(value, list):
            for item in value:
                self.learn(service, item, path, key.removesuffix("s"))
        elif isinstance(value, str) and (key in KEYS or key.endswith("_id")):
            self.known[service].add(_known_as(value, path))

    # The tenant's data, made through the APIs: what a case names when it names nothing real.

    def client(self, service: str, role: str = "admin") -> httpx.Client:
        base = self.servers[service].url + "/v1"
        headers = {"Authorization": self.token(service, role)}
        return httpx.Client(base_url=base, headers=headers, timeout=30)

    def seed(self) -> None:
        tenant = self.tenant
        subscriptions = {service: self._subscribe(service) for service in SERVICES}
        made = _scheduling(self, tenant)
        _accreditation(self, tenant, made)
        _invoicing(self, tenant, made)
        for service, subscription in subscriptions.items():
            self._deliveries(service, subscription)
        for service in SERVICES:
            places = [tenant.ids[service], *tenant.at.get(service, {}).values()]
            for ids in places:
                self.known[service].update(v for v in ids.values() if isinstance(v, str))

    def _subscribe(self, service: str) -> str:
        """A webhook subscription of the tenant to every event type the service sends."""
        types = sorted(self.apps[service].state.webhooks)
        with self.client(service) as api:
            made = _ok(api.post("/webhook-subscriptions", json={"url": SINK, "event_types": types}))
        return str(made["id"])

    def _deliveries(self, service: str, subscription: str) -> None:
        """The subscription, and a delivery of the tenant's events (by the operators' log)."""
        with self.client(service) as api:
            (delivery, *_) = _ok(api.get("/webhooks/deliveries"))["items"]
        self.tenant.ids[service] |= {
            "subscription_id": subscription,
            "delivery_id": delivery["id"],
            "body.url": SINK,
        }
        deleted = {"subscription_id": lambda: self._subscribe(service)}
        self.tenant.at.setdefault(service, {})["deleteWebhookSubscription"] = deleted


class _Deferred:
    """An ASGI app given later: a server's port is known before the app its peers' URLs
    configure is built."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _wiring(service: str, urls: Mapping[str, str], secret: str) -> dict[str, Any]:
    """``service``'s settings for the platform: its subscribers (named as nobody else's are,
    the subscriber table being the database's), the secret it accepts events with, the URLs
    of the APIs it calls, and loopback webhook URLs allowed (the tenant's subscriptions)."""
    secrets = dict.fromkeys(SERVICES, secret)
    subscribers = [
        msgspec.structs.replace(subscriber, name=f"{SUBSCRIBERS}{subscriber.name}")
        for subscriber in topology.subscribers(service, base_urls=urls, secrets=secrets)
    ]
    calls = {
        call.variable.removeprefix("KRING_").lower(): urls[call.callee]
        for call in topology.CALLS
        if call.caller == service
    }
    return {
        "webhook_subscribers": msgspec.json.encode(subscribers).decode(),
        "webhook_secrets": (secret,),
        "webhook_allow_loopback": True,
        **calls,
    }


def _pause_subscribers(database_url: str) -> None:
    """The platform's subscribers outlive its servers in the database: stop sending to them."""

    async def pause() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            for service in SERVICES:
                schema = service_module(service, "config").SCHEMA
                await conn.execute(
                    f"UPDATE {schema}.subscribers SET status = 'paused' WHERE name LIKE $1",
                    SUBSCRIBERS + "%",
                )
        finally:
            await conn.close()

    asyncio.run(pause())


def _example_ids() -> frozenset[str]:
    """Every id the contracts' examples hold."""
    found: set[str] = set()

    def walk(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            for key, item in node.items():
                walk(item, inside or key == "examples")
        elif isinstance(node, list):
            for item in node:
                walk(item, inside)
        elif inside and isinstance(node, str) and _is_id(node):
            found.add(node)

    for service in SERVICES:
        walk(yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text()), False)
    return frozenset(found)


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _copied(value: Any) -> Any:
    """JSON values copied, at any depth; anything else (schemathesis' marker of no body) as
    it is."""
    if isinstance(value, tuple):
        return tuple(_copied(item) for item in value)
    return deepcopy(value) if isinstance(value, dict | list) else value


def _known_as(value: str, path: str) -> str:
    """An id as it stands (ids are unique); a key with the collection it names something in
    (``people:0`` is no client organisation's external id)."""
    try:
        uuid.UUID(value)
    except ValueError:
        return f"{path.split('/')[1]}:{value}"
    return value


def _looks_like(value: Any, real: Id) -> bool:
    """Whether a generated ``value`` is of the real one's kind (both ids, or both keys): a
    negative case's wrong value stays as it is. A fresh one (a callable) is an id."""
    try:
        uuid.UUID(real if isinstance(real, str) else str(uuid.UUID(int=0)))
    except ValueError:
        return isinstance(value, str) and bool(value)
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _person(api: httpx.Client, key: str, **fields: Any) -> dict[str, Any]:
    body = {"given_name": key.split("-")[-1].title(), "family_name": "de Vries", **fields}
    person: dict[str, Any] = _ok(api.put(f"/people/by-external-id/{key}", json=body))
    return person


def plan(api: httpx.Client, tenant: Tenant, group_id: str) -> dict[str, Any]:
    """A session of the group on a day of its own (:meth:`Tenant.day`), held in person."""
    day = tenant.day().isoformat()
    body = {"group_id": group_id, "start": f"{day}T07:00", "end": f"{day}T09:30"}
    (session,) = _ok(api.post("/sessions", json=body))["sessions"]
    return dict(session)


def close(api: httpx.Client, session_id: str, member_ids: list[str]) -> None:
    """Everyone present, and the session closed."""
    for person_id in member_ids:
        _ok(api.put(f"/sessions/{session_id}/attendance/{person_id}", json={"status": "present"}))
    _ok(api.post(f"/sessions/{session_id}/close", json={}))


def _scheduling(platform: Platform, tenant: Tenant) -> dict[str, Any]:
    """A client organisation employing three SKJ-registered members of a group, its
    facilitator (recognised by the LVSC), a session open and one closed."""
    with platform.client("scheduling") as api:
        employer = _ok(
            api.put(
                "/client-organisations/by-external-id/contract-employer",
                json={"name": "Gemeente Utrecht", "kvk_number": "30280353"},
            )
        )
        facilitator = _person(api, "contract-ingrid", career_started_on="1998-01-01")
        recognition = {"register": "LVSC", "role": "supervisor", "number": "LVSC-0042"}
        _ok(api.put(f"/facilitators/{facilitator['id']}", json={"recognitions": [recognition]}))
        members = [
            _person(
                api,
                f"contract-{name}",
                employer_id=employer["id"],
                career_started_on="2012-09-01",
                registrations=[
                    {"register": SKJ, "number": f"11000{n:04d}", "registered_on": "2015-03-01"}
                ],
            )
            for n, name in enumerate(("anouk", "bram", "chantal"))
        ]
        outsider = _person(api, "contract-daan", employer_id=employer["id"])
        method = _ok(api.get("/methods"))["items"][0]
        group = _ok(
            api.post(
                "/groups",
                json={
                    "name": "Intervisiegroep Jeugd Utrecht",
                    "facilitator_id": facilitator["id"],
                    "mode": "in_person",
                    "location": "Stadskantoor Utrecht",
                    "default_method_id": method["id"],
                    "agreement": AGREEMENT,
                },
            )
        )
        member_ids = [m["id"] for m in members]
        for person_id in member_ids:
            base = f"/groups/{group['id']}/members"
            _ok(api.post(base, json={"person_id": person_id}))
            _ok(api.post(f"{base}/{person_id}/consent", json={"voluntary": True}))
            _ok(api.post(f"{base}/{person_id}/acceptance", json={"agreement_version": 1}))
        opened = plan(api, tenant, group["id"])
        closed, unbilled = plan(api, tenant, group["id"]), plan(api, tenant, group["id"])
        for session in (closed, unbilled):  # before a billing profile: unbilled, in invoicing
            close(api, session["id"], member_ids)
        roomy = {**GROUP, "facilitator_id": facilitator["id"], "size": {"max": 50}}
        joined, left = (_ok(api.post("/groups", json=roomy))["id"] for _ in range(2))
        # A feed URL of a person no case changes, for the calendar polled by its URL alone.
        feed = _ok(api.post(f"/people/{outsider['id']}/calendar-feed"))
        erased, request_id = _erased(api)
    member = members[0]
    tenant.ids["scheduling"] = {
        "client_organisation_id": employer["id"],
        "person_id": member["id"],
        "group_id": group["id"],
        "session_id": opened["id"],
        "method_id": method["id"],
        "external_id": member["external_id"],
        "body.facilitator_id": facilitator["id"],
        "body.group_id": group["id"],
        "body.method_id": method["id"],
        "body.default_method_id": method["id"],
        "body.employer_id": employer["id"],
        "body.manager_id": outsider["id"],
        "body.person_id": outsider["id"],
    }
    fresh = _SchedulingFresh(platform, tenant, group["id"], member_ids)
    leaving = _SchedulingFresh(platform, tenant, left, [])
    tenant.at["scheduling"] = {
        "/facilitators/": {"person_id": facilitator["id"]},
        "addGroupMember": {"group_id": joined, "body.person_id": fresh.person},
        "removeGroupMember": {"group_id": left, "person_id": leaving.member},
        "cancelSession": {"session_id": fresh.session},
        "rescheduleSession": {"session_id": fresh.session},
        "closeSession": {"session_id": fresh.attended},
        "/client-organisations/": {"external_id": employer["external_id"]},
        "upsertPerson": {"external_id": ""},
        "upsertClientOrganisation": {"external_id": ""},
        "signSession": {"session_id": closed["id"]},
        "getProofOfAttendance": {"session_id": closed["id"]},
        "amendAttendance": {"session_id": closed["id"]},
        "getSubscribedCalendar": {"token": urlsplit(feed["url"]).path.split("/")[3]},
        "eraseSubject": {"person_id": fresh.person},
        "erasePerson": {"person_id": fresh.person},
        "getSubjectErasure": {"person_id": erased},
        "getErasureRequest": {"request_id": request_id},
    }
    tenant.claims["scheduling"] = {
        "facilitator": {"person": facilitator["id"]},
        "participant": {"person": member["id"]},
        "hr": {"client_org": employer["id"]},
    }
    return {
        "employer": employer,
        "facilitator": facilitator,
        "members": members,
        "group": group,
        "opened": opened,
        "closed": closed,
    }


def _erased(api: httpx.Client) -> tuple[str, str]:
    """A person scheduling erased (its part), and the erasure request of another: completed
    when accreditation and invoicing did their parts, else kept with why it was not."""
    erased = _person(api, "contract-erased")["id"]
    _ok(api.post(f"/subjects/{erased}/erasure"))
    requested = api.post(f"/people/{_person(api, 'contract-forgotten')['id']}/erasure")
    body = requested.json()
    return str(erased), str(body.get("id") or body["extra"]["erasure_request_id"])


@dataclass
class _SchedulingFresh:
    """What one case uses up, made anew for each: a person, a member, a session."""

    platform: Platform
    tenant: Tenant
    group_id: str
    member_ids: list[str]

    def person(self) -> str:
        with self.platform.client("scheduling") as api:
            return str(_person(api, f"contract-{uuid.uuid4().hex[:12]}")["id"])

    def member(self) -> str:
        person_id = self.person()
        with self.platform.client("scheduling") as api:
            _ok(api.post(f"/groups/{self.group_id}/members", json={"person_id": person_id}))
        return person_id

    def session(self) -> str:
        with self.platform.client("scheduling") as api:
            return str(plan(api, self.tenant, self.group_id)["id"])

    def attended(self) -> str:
        """A session everyone attended, left open."""
        session_id = self.session()
        with self.platform.client("scheduling") as api:
            for person_id in self.member_ids:
                body = {"status": "present"}
                _ok(api.put(f"/sessions/{session_id}/attendance/{person_id}", json=body))
        return session_id


def _accreditation(platform: Platform, tenant: Tenant, made: dict[str, Any]) -> None:
    """An organisation register with a rule set, the closed session in the ledger (SKJ hours
    for its members), a member's consent for SKJ's registrar, and a signed checkpoint."""
    member = made["members"][0]
    tenant.claims["accreditation"] = {
        "participant": {"person": member["id"]},
        "facilitator": {"person": made["facilitator"]["id"]},
        "registrar": {"register": SKJ},
    }
    with platform.client("accreditation") as api:
        code = "KRING_CPD"
        register = {"name": "Kring CPD", "full_name": "Kring nascholing", "profession": "Jeugd"}
        _ok(api.put(f"/registers/{code}", json=register))
        rules = {"unit": "hours", "min_session_minutes": 60}
        _ok(
            api.post(
                f"/registers/{code}/rule-sets", json={"valid_from": "2025-01-01", "rules": rules}
            )
        )

    def fresh_entry() -> str:
        """An entry of its own (a session of its own, as it was held): an entry is reversed
        once, and the closed session's arrive from scheduling in their own time."""
        session = {**made["closed"], "id": str(uuid.uuid4())}
        with platform.client("accreditation") as api:
            recorded = _ok(api.post("/ledger/sessions", json=ledger_session(made, session)))
        return str(next(j["entry"]["id"] for j in recorded["judgements"] if j["entry"]))

    entry_id = fresh_entry()
    with platform.client("accreditation") as api:
        session_id = _ok(api.get(f"/ledger/entries/{entry_id}"))["session_id"]
        _ok(api.post("/ledger/checkpoints"))
    with platform.client("accreditation", "participant") as api:
        _ok(api.put(f"/consents/{SKJ}"))
    tenant.ids["accreditation"] = {
        "code": SKJ,
        "query.register": SKJ,
        "person_id": member["id"],
        "session_id": session_id,
        "entry_id": entry_id,
    }
    tenant.at["accreditation"] = {
        "createOrganisationRegister": {"code": ""},
        "addRuleSet": {"code": code},
        "reverseLedgerEntry": {"entry_id": fresh_entry},
        # A closed session as scheduling tells it: any session, attendees each once.
        "recordClosedSession": {"body.session_id": "", "body.person_id": ""},
    }
    _credentials(platform, tenant, made, session_id)


def _credentials(platform: Platform, tenant: Tenant, made: dict[str, Any], session_id: str) -> None:
    """A member's proof of attendance (so its status list, page and PDF exist), and reflection
    statements asked of the facilitator: each request and each countersignature takes a person
    of its own, since a supervisor is asked once per person and cycle."""
    member, facilitator = made["members"][0]["id"], made["facilitator"]["id"]
    with platform.client("accreditation") as api:
        body = {"session_id": session_id, "register": SKJ, "person_id": member}
        credential = _ok(api.post("/credentials", json=body))

    def fresh_person() -> str:
        """A person with an SKJ credit in a cycle that holds the examples' day, 2026-03-26."""
        registration = {"register": SKJ, "number": "110009999", "registered_on": "2021-06-01"}
        person = {"id": str(uuid.uuid4()), "given_name": "Eva", "family_name": "de Vries"}
        held = ledger_session(
            {**made, "members": [{**person, "registrations": [registration]}]},
            {**made["closed"], "id": str(uuid.uuid4())},
        )
        with platform.client("accreditation") as api:
            (judged,) = _ok(api.post("/ledger/sessions", json=held))["judgements"]
        assert judged["outcome"] == "recorded", judged
        return person["id"]

    def fresh_statement() -> str:
        asked = {
            "register": SKJ,
            "on": "2026-03-26",
            "supervisor_id": facilitator,
            "supervisor_name": "Ingrid van Dijk",
            "person_id": fresh_person(),
        }
        with platform.client("accreditation") as api:
            return str(_ok(api.post("/reflection-statements", json=asked))["id"])

    tenant.ids["accreditation"] |= {
        "credential_id": credential["id"],
        "org_id": str(tenant.org),
        "statement_id": fresh_statement(),
        "body.session_id": session_id,
        "body.person_id": member,
        "body.person_ids": member,
        "list_number": "1",
        "body.supervisor_id": facilitator,
    }
    erased = fresh_person()  # a person with an SKJ credit, erased from accreditation
    with platform.client("accreditation") as api:
        _ok(api.post(f"/subjects/{erased}/erasure"))
    tenant.at["accreditation"] |= {
        "issueCredential": {"body.register": SKJ},
        "requestReflectionStatement": {"body.person_id": fresh_person, "body.register": SKJ},
        "countersignReflectionStatement": {"statement_id": fresh_statement},
        "eraseSubject": {"person_id": lambda: str(uuid.uuid4())},
        "getSubjectErasure": {"person_id": erased},
    }


def ledger_session(made: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    """``session`` as scheduling's ``session.closed`` tells accreditation of it."""
    return {
        "session_id": session["id"],
        "date": session["local_start"][:10],
        "started_at": session["starts_at"],
        "ended_at": session["ends_at"],
        "mode": "in_person",
        "group_size": len(made["members"]),
        "facilitator": {
            "person_id": made["facilitator"]["id"],
            "name": "Ingrid van Dijk",
            "recognitions": ["LVSC"],
            "roles": [{"register": "LVSC", "role": "supervisor"}],
        },
        "attendees": [
            {
                "person_id": m["id"],
                "name": f"{m['given_name']} {m['family_name']}",
                "presence": "present",
                "registrations": m["registrations"],
            }
            for m in made["members"]
        ],
    }


PROFILE = {
    "legal_name": "Van Dijk Intervisie",
    "street": "Oudegracht 100",
    "postal_code": "3511 AX",
    "city": "Utrecht",
    "kvk_number": "12345678",
    "btw_id": "NL000099998B57",
    "iban": "NL91ABNA0417164300",
    "email": "facturen@vandijkintervisie.nl",
    "invoice_prefix": "VDI",
}
DEBTOR = {
    "name": "Gemeente Utrecht",
    "street": "Stadsplateau 1",
    "postal_code": "3521 AZ",
    "city": "Utrecht",
    "peppol_scheme": "0190",
    "peppol_id": "00000001002220647000",
    "buyer_reference": "KP-4711",
}


def cost_sheet(made: dict[str, Any], session: dict[str, Any]) -> dict[str, Any]:
    return {
        "session_id": session["id"],
        "facilitator_id": made["facilitator"]["id"],
        "session_starts_at": session["starts_at"],
        "session_ends_at": session["ends_at"],
        "participants": [
            {
                "person_id": m["id"],
                "name": m["given_name"],
                "client_organisation_id": made["employer"]["id"],
            }
            for m in made["members"]
        ],
    }


@dataclass
class _InvoicingFresh:
    """What one case uses up, made anew for each: a session to bill, a draft, an issued
    invoice."""

    platform: Platform
    made: dict[str, Any]
    sessions: _SchedulingFresh

    def session(self) -> str:
        return self.sessions.session()

    def sheet(self) -> dict[str, Any]:
        with self.platform.client("scheduling") as api:
            session = _ok(api.get(f"/sessions/{self.session()}"))
        with self.platform.client("invoicing") as api:
            sheet: dict[str, Any] = _ok(
                api.post("/cost-sheets", json=cost_sheet(self.made, session))
            )
        return sheet

    def draft(self) -> str:
        with self.platform.client("invoicing") as api:
            params = {"cost_sheet_id": self.sheet()["id"]}
            return str(_ok(api.get("/invoices", params=params))["items"][0]["id"])

    def issued(self) -> str:
        invoice_id = self.draft()
        with self.platform.client("invoicing") as api:
            _ok(api.post(f"/invoices/{invoice_id}/issue"))
        return invoice_id


def _invoicing(platform: Platform, tenant: Tenant, made: dict[str, Any]) -> None:
    """The facilitator's billing profile, the employer as the members' debtor, a debtor of
    the caller's own key, a cost sheet with an issued invoice and one with drafts only, and
    the session closed before the profile was there, waiting to be billed."""
    facilitator, employer = made["facilitator"]["id"], made["employer"]["id"]
    member = made["members"][0]
    tenant.claims["invoicing"] = {
        "facilitator": {"person": facilitator},
        "participant": {"person": member["id"]},
    }
    sessions = _SchedulingFresh(platform, tenant, made["group"]["id"], [])
    fresh = _InvoicingFresh(platform, made, sessions)
    with platform.client("invoicing") as api:
        unbilled = _eventually(lambda: _ok(api.get("/unbilled-sessions"))["items"], count=2)
        _ok(api.put(f"/billing-profiles/{facilitator}", json=PROFILE))
        _ok(api.put(f"/debtors/for-client-organisation/{employer}", json=DEBTOR))
        debtor = _ok(api.put("/debtors/by-external-id/contract-debtor", json=DEBTOR))
        _ok(api.put(f"/debtors/for-person/{member['id']}", json={"pays": "employer"}))
        erased = str(uuid.uuid4())  # a person invoicing holds nothing of: erased at once
        _ok(api.post(f"/subjects/{erased}/erasure"))
    issued, drafts = fresh.issued(), fresh.sheet()
    tenant.ids["invoicing"] = {
        "facilitator_id": facilitator,
        "external_id": debtor["external_id"],
        "debtor_id": debtor["id"],
        "person_id": member["id"],
        "client_organisation_id": employer,
        "cost_sheet_id": drafts["id"],
        "invoice_id": issued,
        "unbilled_session_id": unbilled[0]["id"],
        "body.facilitator_id": facilitator,
        "body.debtor_id": debtor["id"],
        "body.client_organisation_id": employer,
        "body.session_id": fresh.session,
    }
    tenant.at["invoicing"] = {
        "upsertDebtor": {"external_id": ""},
        "issueInvoice": {"invoice_id": fresh.draft},
        "creditInvoice": {"invoice_id": fresh.issued},
        "recordInvoicePayment": {"invoice_id": fresh.issued},
        "billUnbilledSession": {"unbilled_session_id": unbilled[1]["id"]},
        "eraseSubject": {"person_id": lambda: str(uuid.uuid4())},
        "getSubjectErasure": {"person_id": erased},
    }


def _eventually(found: Callable[[], list[Any]], *, count: int, seconds: float = 30) -> list[Any]:
    """What ``found`` finds once it finds ``count`` (an event's effect arrives in its time)."""
    deadline = time.monotonic() + seconds
    while len(items := found()) < count:
        assert time.monotonic() < deadline, "nothing arrived"
        time.sleep(0.1)
    return items
