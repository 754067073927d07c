"""The ladder's floor does the registrant endpoint's database work and answers the page, on the
service's pool and role; the session list's floor answers what the list answers; the bench
knows when each is ready (a path it answers)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import msgspec

from bench.ladder import floor_app, sessions_floor_app
from bench.processes import READY_PATHS
from services.accreditation.config import SCHEMA
from services.accreditation.ledger.schemas import EntryPage
from services.kit.db import transaction
from services.kit.settings import Settings
from tests.conftest import Token, _running
from tests.scheduling.sessions import support as sessions


async def test_the_floor_answers_the_page_of_the_endpoint_s_database_work(
    settings_for: Callable[..., Settings], org: uuid.UUID
) -> None:
    page = EntryPage(items=[], next_cursor=None)
    work = {
        "database_url": settings_for("accreditation").database_url,
        "org_id": str(org),
        "register": "NIP",
        "registration_number": "NIP-00000255",
        "from_date": "2021-12-01",
        "to_date": "2026-12-01",
    }
    async with _running(floor_app(work)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            answered = await client.get(READY_PATHS["ladder-floor"])
            assert answered.status_code == 200, answered.text
            assert answered.content == msgspec.json.encode(page)
            # The registrant query's own statement ran: it logs the registrar's read.
            async with transaction(app.state.work.pool, org_id=org, readonly=True) as conn:
                logged = await conn.fetchval(
                    f"SELECT count(*) FROM {SCHEMA}.processing_log WHERE org_id = $1", org
                )
    assert logged == 1, "the floor skipped the endpoint's database work"


async def test_the_session_list_s_floor_answers_the_list_s_own_page(
    scheduling: httpx.AsyncClient,
    auth: Token,
    org: uuid.UUID,
    settings_for: Callable[..., Settings],
) -> None:
    group = await sessions.make_group(scheduling, auth, members=1)
    for day in ("2030-03-04", "2030-01-07", "2030-02-11"):
        await sessions.plan_one(
            scheduling, auth("admin"), group, start=f"{day}T19:00", end=f"{day}T21:00"
        )
    await sessions.plan_one(scheduling, auth("admin"), group)  # before the first day: left out
    listed = await scheduling.get(
        "/v1/sessions",
        params={"person_id": str(group.facilitator_id), "from": "2030-01-01"},
        headers=sessions.facilitator(auth, group),
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 3
    work = {
        "database_url": settings_for("scheduling").database_url,
        "org_id": str(org),
        "person_id": str(group.facilitator_id),
        "from_date": "2030-01-01",
    }
    async with _running(sessions_floor_app(work)) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://floor") as client:
            answered = await client.get(READY_PATHS["ladder-sessions-floor"])
    assert answered.status_code == 200, answered.text
    assert answered.json() == listed.json()
