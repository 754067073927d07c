"""Real answers of each service, read as a client reads the committed contract: each answer
validates against its operation's response schema, every field it carries is a property of
that schema, and every field it carries is ``required`` there: a client may rely on it. Only
the Structs that leave out fields at their defaults (``omit_defaults``, e.g. ``Problem``) may
carry fields that are not required.

The answers are those of a short walk per service (a person, a facilitator, a group, a closed
session; the registers and their rules; an issued invoice), all recorded as they happen."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cache
from typing import Any

import httpx
import jsonschema
import msgspec
import pytest_asyncio

from services.cli import SERVICES, service_module
from tests.conftest import Token
from tests.contracts import contract, operation
from tests.invoicing.support import issued
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.support import facilitator, person

Answers = list[httpx.Response]


@cache
def omitting() -> frozenset[str]:
    """The names of the Structs that leave out a field at its default (``omit_defaults``)."""
    for service in SERVICES:
        service_module(service, "app")
    found: set[str] = set()
    stack = [msgspec.Struct]
    while stack:
        struct = stack.pop()
        stack += struct.__subclasses__()
        if struct.__struct_config__.omit_defaults:
            found.add(struct.__name__)
    return frozenset(found)


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """``schema`` with its ``$ref`` followed, and the name of the component it names."""
    name = None
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return name, schema


def _mismatches(
    value: Any, schema: dict[str, Any], document: dict[str, Any], at: str
) -> Iterator[str]:
    """Where ``value`` carries a field its schema does not list, or does not require."""
    name, schema = resolve(schema, document)
    for key in ("allOf", "oneOf", "anyOf"):
        variants = schema.get(key, [])
        if key != "allOf":  # the variant the value is (the first, for a nullable one)
            variants = [v for v in variants if _valid(value, v, document)][:1]
        for variant in variants:
            yield from _mismatches(value, variant, document, at)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _mismatches(item, schema["items"], document, f"{at}[{index}]")
    properties = schema.get("properties")
    if not isinstance(value, dict) or properties is None:
        return
    required = set(schema.get("required", []))
    for field, item in value.items():
        if field not in properties:
            yield f"{at}.{field}: not a property of {name or 'the schema'}"
        elif field not in required and name not in omitting():
            yield f"{at}.{field}: always sent, but not required by {name or 'the schema'}"
        else:
            yield from _mismatches(item, properties[field], document, f"{at}.{field}")


def _valid(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]}
    ).is_valid(value)


def mismatches(service: str, answer: httpx.Response) -> list[str]:
    """What is wrong with ``answer`` as its operation in the contract describes it."""
    request = answer.request
    op = operation(service, request.method, request.url.path)
    where = f"{request.method} {request.url.path} {answer.status_code}"
    if op is None:
        return [f"{where}: no such operation in contracts/{service}.yaml"]
    response = op["responses"].get(str(answer.status_code))
    if response is None:
        return [f"{where}: the status is not in the contract"]
    media_type = answer.headers.get("content-type", "").split(";")[0]
    content = response.get("content", {})
    if media_type not in content:
        return [f"{where}: {media_type or 'no body'} is not in the contract"]
    if not media_type.endswith("json"):
        return []
    schema, document, body = content[media_type]["schema"], contract(service), answer.json()
    errors = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    found = [f"{where}: {e.json_path}: {e.message}" for e in errors.iter_errors(body)]
    return found + [f"{where}: {m}" for m in _mismatches(body, schema, document, "$")]


@pytest_asyncio.fixture
async def answers(
    scheduling: httpx.AsyncClient, accreditation: httpx.AsyncClient, invoicing: httpx.AsyncClient
) -> AsyncIterator[Answers]:
    """Every answer the three clients receive during the test (invoicing's client reaches
    scheduling too), each read whole."""
    recorded: Answers = []

    async def keep(answer: httpx.Response) -> None:
        await answer.aread()
        recorded.append(answer)

    clients = (scheduling, accreditation, invoicing)
    hooks = [client.event_hooks for client in clients]
    for client, hook in zip(clients, hooks, strict=True):
        client.event_hooks = {**hook, "response": [*hook.get("response", []), keep]}
    try:
        yield recorded
    finally:
        for client, hook in zip(clients, hooks, strict=True):
            client.event_hooks = hook


def service_of(answer: httpx.Response) -> str:
    return answer.request.url.host


def check(answers: Answers, *, services: set[str]) -> None:
    assert {service_of(a) for a in answers} >= services, "the walk reached too few services"
    found = [m for answer in answers for m in mismatches(service_of(answer), answer)]
    assert not found, "\n".join(found)


async def test_scheduling_answers_what_its_contract_requires(
    scheduling: httpx.AsyncClient, auth: Token, answers: Answers
) -> None:
    registered = {"registrations": [{"register": "NIP", "number": "12345"}]}
    someone = await person(scheduling, auth, "registered", **registered)
    await facilitator(scheduling, auth)
    group, session = await closed_session(scheduling, auth)
    for path in (
        f"/v1/people/{someone['id']}",
        "/v1/people",
        "/v1/facilitators",
        f"/v1/groups/{group.id}",
        "/v1/groups",
        f"/v1/sessions/{session['id']}",
        f"/v1/sessions/{session['id']}/proof",
        "/v1/events",
        f"/v1/groups/{uuid.uuid4()}",
    ):
        await scheduling.get(path, headers=auth("admin"))
    refused = {"name": "Zonder plek", "facilitator_id": str(group.facilitator_id), "mode": "hybrid"}
    await scheduling.post("/v1/groups", json=refused, headers=auth("admin"))
    online = {"group_id": str(group.id), "start": "2027-03-01T10:00", "end": "2027-03-01T11:00"}
    await scheduling.post("/v1/sessions", json={**online, "mode": "online"}, headers=auth("admin"))
    assert {a.status_code for a in answers} >= {200, 201, 400, 404, 422}
    check(answers, services={"scheduling"})


async def test_accreditation_answers_what_its_contract_requires(
    accreditation: httpx.AsyncClient, auth: Token, answers: Answers
) -> None:
    for path in ("/v1/registers", "/v1/registers/NOVA", "/v1/registers/NOVA/rule-sets"):
        await accreditation.get(path, headers=auth("admin"))
    await accreditation.get("/v1/ledger/verification", headers=auth("admin"))
    await accreditation.get(f"/v1/sessions/{uuid.uuid4()}/outcomes", headers=auth("admin"))
    assert {a.status_code for a in answers} == {200}
    rule_sets = json.loads(answers[2].content)["items"]
    assert rule_sets and rule_sets[0]["rules"], "the walk read no rules"
    check(answers, services={"accreditation"})


async def test_invoicing_answers_what_its_contract_requires(
    invoicing: httpx.AsyncClient, auth: Token, answers: Answers
) -> None:
    invoice = await issued(invoicing, auth("admin"))
    for path in (
        f"/v1/invoices/{invoice['id']}",
        "/v1/invoices",
        f"/v1/billing-profiles/{invoice['facilitator_id']}",
        f"/v1/cost-sheets/{invoice['cost_sheet_id']}",
        f"/v1/cost-sheets/{invoice['cost_sheet_id']}/reconciliation",
        "/v1/debtors",
    ):
        await invoicing.get(path, headers=auth("admin"))
    check(answers, services={"invoicing", "scheduling"})
