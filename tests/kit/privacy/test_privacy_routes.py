"""``/v1/processing-log`` and ``/v1/retention-settings`` through a service's API, and a GET
declared a logged read writing its entry in its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
import pytest_asyncio
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath

from services.kit.app import create_service_app
from services.kit.db import Conn, transaction
from services.kit.policy import TENANT, Policy
from services.kit.principal import Principal
from services.kit.privacy import processing_log
from services.kit.settings import Settings
from services.scheduling import config
from services.scheduling.policy import ROLES_WIDEST_FIRST, SCOPES, TABLE
from services.scheduling.principal import Principal as SchedulingPrincipal
from tests.conftest import Token, _over_asgi, _running
from tests.kit.privacy.support import service_pool


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    async with service_pool(settings_for) as pool:
        yield pool


async def entries(pool: asyncpg.Pool, org: uuid.UUID, *people: uuid.UUID) -> None:
    reader = Principal(subject="registrar-9", org_id=org, roles=frozenset({"registrar"}))
    async with transaction(pool, org_id=org) as conn:
        for person in people:
            await processing_log.record(
                conn,
                reader,
                operation="listRegistrants",
                person_id=person,
                grant="role registrar of register SKJ",
            )


async def test_the_admin_reads_every_entry_a_page_at_a_time(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    people = [uuid.uuid4() for _ in range(3)]
    await entries(pool, org, *people)
    first = await scheduling.get("/v1/processing-log", params={"limit": 2}, headers=auth())
    assert first.status_code == 200, first.text
    page = first.json()
    rest = await scheduling.get(
        "/v1/processing-log", params={"cursor": page["next_cursor"]}, headers=auth()
    )
    items = page["items"] + rest.json()["items"]
    assert [i["person_id"] for i in items] == [str(p) for p in people]
    assert rest.json()["next_cursor"] is None
    assert items[0]["actor_subject"] == "registrar-9" and items[0]["actor_role"] == "registrar"
    assert items[0]["grant"] == "role registrar of register SKJ"
    only = await scheduling.get(
        "/v1/processing-log", params={"person_id": str(people[1])}, headers=auth()
    )
    assert [i["person_id"] for i in only.json()["items"]] == [str(people[1])]


async def test_a_person_reads_only_the_entries_about_themselves(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    await entries(pool, org, me, other, me)
    mine = await scheduling.get("/v1/processing-log", headers=auth("participant", person=str(me)))
    assert mine.status_code == 200, mine.text
    assert [i["person_id"] for i in mine.json()["items"]] == [str(me)] * 2
    refused = await scheduling.get(
        "/v1/processing-log",
        params={"person_id": str(other)},
        headers=auth("participant", person=str(me)),
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["rule"] == "own_records_only"
    nobody = await scheduling.get("/v1/processing-log", headers=auth("participant"))
    assert nobody.status_code == 403


async def test_a_role_the_policy_does_not_name_is_refused(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    for role in ("facilitator", "registrar", "hr"):
        got = await scheduling.get("/v1/processing-log", headers=auth(role))
        assert got.status_code == 403, role
    got = await scheduling.get("/v1/retention-settings", headers=auth("participant"))
    assert got.status_code == 403
    put = await scheduling.put(
        "/v1/retention-settings", json={"settings": {}}, headers=auth("participant")
    )
    assert put.status_code == 403


def by_name(answer: httpx.Response) -> dict[str, dict[str, object]]:
    return {s["name"]: s for s in answer.json()["settings"]}


async def test_the_settings_start_at_their_defaults(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    got = await scheduling.get("/v1/retention-settings", headers=auth())
    assert got.status_code == 200, got.text
    settings = by_name(got)
    assert set(settings) >= {"outbox_days", "delivery_logs_days", "idempotency_hours"}
    outbox = settings["outbox_days"]
    assert (outbox["value"], outbox["default"], outbox["minimum"]) == (90, 90, 7)
    assert outbox["chosen"] is False and outbox["last_run"] is None
    assert settings["idempotency_hours"]["value"] == 24


async def test_a_setting_below_its_floor_is_refused_and_nothing_changes(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {"settings": {"outbox_days": 3, "delivery_logs_days": 30, "idempotency_hours": 1}}
    refused = await scheduling.put("/v1/retention-settings", json=body, headers=auth())
    assert refused.status_code == 422, refused.text
    assert {(e["field"], e["rule"]) for e in refused.json()["errors"]} == {
        ("body.settings.outbox_days", "legal_minimum"),
        ("body.settings.idempotency_hours", "legal_minimum"),
    }
    unknown = await scheduling.put(
        "/v1/retention-settings", json={"settings": {"invoices_years": 7}}, headers=auth()
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["rule"] == "unknown_setting"
    too_long = await scheduling.put(
        "/v1/retention-settings", json={"settings": {"outbox_days": 4000}}, headers=auth()
    )
    assert too_long.json()["errors"][0]["rule"] == "maximum"
    got = await scheduling.get("/v1/retention-settings", headers=auth())
    assert by_name(got)["delivery_logs_days"]["chosen"] is False


async def test_a_setting_is_kept_until_it_is_left_out(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {"settings": {"outbox_days": 60, "delivery_logs_days": 30}}
    put = await scheduling.put("/v1/retention-settings", json=body, headers=auth())
    assert put.status_code == 200, put.text
    outbox = by_name(put)["outbox_days"]
    assert (outbox["value"], outbox["chosen"], outbox["updated_by"]) == (60, True, "test")
    assert by_name(await scheduling.get("/v1/retention-settings", headers=auth())) == by_name(put)
    reset = await scheduling.put(
        "/v1/retention-settings", json={"settings": {"outbox_days": 60}}, headers=auth()
    )
    settings = by_name(reset)
    assert settings["outbox_days"]["updated_at"] == outbox["updated_at"]  # unchanged: kept
    assert settings["delivery_logs_days"]["value"] == 90
    assert settings["delivery_logs_days"]["chosen"] is False


@get(
    "/v1/logged-read/{person_id:uuid}", operation_id="readLogged", opt=processing_log.logged_read()
)
async def logged_read(
    conn: Conn, principal: NamedDependency[Principal], person_id: FromPath[uuid.UUID]
) -> dict[str, str]:
    await processing_log.record(
        conn, principal, operation="readLogged", person_id=person_id, grant="role admin"
    )
    return {"commit": await conn.fetchval("SELECT current_setting('synchronous_commit')")}


@get("/v1/plain-read/{person_id:uuid}", operation_id="readPlain")
async def plain_read(
    conn: Conn, principal: NamedDependency[Principal], person_id: FromPath[uuid.UUID]
) -> dict[str, str]:
    await processing_log.record(
        conn, principal, operation="readPlain", person_id=person_id, grant="role admin"
    )
    return {"read": str(person_id)}


KIT_OPERATIONS = ("listProcessingLog", "getRetentionSettings", "updateRetentionSettings")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def reading(settings_for: Callable[..., Settings]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings_for("scheduling"),
        schema=config.SCHEMA,
        title="reads",
        version="0.0.0",
        description="",
        port=0,
        route_handlers=[logged_read, plain_read],
        migrations=config.MIGRATIONS,
        principal_type=SchedulingPrincipal,
        policy=Policy(
            roles=ROLES_WIDEST_FIRST,
            scopes=SCOPES,
            table={
                **{op: grants for op, grants in TABLE.items() if op in KIT_OPERATIONS},
                "readLogged": {"admin": TENANT},
                "readPlain": {"admin": TENANT},
            },
        ),
    )
    async with _running(app):
        async for client in _over_asgi(app, "reads"):
            yield client


async def test_a_logged_read_writes_its_entry_in_its_own_transaction(
    reading: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    person = uuid.uuid4()
    got = await reading.get(f"/v1/logged-read/{person}", headers=auth())
    assert got.status_code == 200, got.text
    assert got.json() == {"commit": "off"}  # a read's cost: the commit waits for no disk
    async with transaction(pool, org_id=org, readonly=True) as conn:
        logged = await conn.fetch("SELECT operation, person_id FROM processing_log")
    assert [tuple(r) for r in logged] == [("readLogged", person)]


@pytest.mark.filterwarnings("ignore")
async def test_a_get_not_declared_a_logged_read_cannot_log(
    reading: httpx.AsyncClient, auth: Token
) -> None:
    got = await reading.get(f"/v1/plain-read/{uuid.uuid4()}", headers=auth())
    assert got.status_code == 500
