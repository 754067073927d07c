"""The retention job announces what it removed: one ``retention.applied`` per run and tenant
that lost anything, read from the service's event feed, stating what each setting's
``last_run`` states; nothing removed, nothing announced; an HR client and a service do not
see it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.kit.db import transaction
from services.kit.privacy.retention import APPLIED, KIT_RULES, Due, run
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA
from tests.conftest import Token
from tests.kit.privacy.support import announced, service_pool
from tests.kit.privacy.test_retention_job import NOW, event, idempotency_key, subscriber


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    async with service_pool(settings_for) as pool:
        yield pool


async def stored(pool: asyncpg.Pool, org: uuid.UUID) -> int:
    """The tenant's announcements in the outbox, committed or not yet shown in the feed."""
    async with transaction(pool, org_id=org, readonly=True) as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE org_id = $1 AND type = $2", org, APPLIED
            )
        )


async def test_a_run_announces_once_per_tenant_what_each_rule_removed(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    other = uuid.uuid4()
    sid = await subscriber(pool)
    for tenant in (org, other):
        await event(pool, tenant, timedelta(days=100), deliveries=((sid, "delivered"),))
        await event(pool, tenant, timedelta(days=100))
    await idempotency_key(pool, org, timedelta(hours=30))

    outcomes = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org, other})

    (applied,) = await announced(scheduling, auth(), expected=1)
    assert (applied["org_id"], applied["aggregate_id"]) == (str(org), str(org))
    data = applied["data"]
    assert data["as_of"].startswith(NOW.date().isoformat())
    removals = {r["rule"]: r for r in data["removals"]}
    assert (
        {rule: r["removed"] for rule, r in removals.items()}
        == {o.rule: o.removed for o in outcomes if o.org_id == org and o.removed}
        == {"outbox": 2, "idempotency": 1}
    )
    assert removals["outbox"]["setting"] == "outbox_days"
    assert (removals["outbox"]["value"], removals["outbox"]["unit"]) == (90, "days")
    assert removals["idempotency"]["named"] == []
    # What the feed announces is what the settings read.
    settings = await scheduling.get("/v1/retention-settings", headers=auth())
    runs = {s["name"]: s["last_run"] for s in settings.json()["settings"]}
    assert runs["outbox_days"]["removed"] == 2
    assert runs["outbox_days"]["ran_at"] == data["ran_at"]
    assert runs["outbox_days"]["cutoff"] == removals["outbox"]["cutoff"]
    assert runs["delivery_logs_days"] is None  # the outbox rule took the deliveries with it
    # The other tenant has its own announcement, and only its own.
    assert await stored(pool, other) == 1

    # A second run removes nothing and announces nothing.
    await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org, other})
    assert await stored(pool, org) == await stored(pool, other) == 1


async def test_a_run_that_removes_nothing_announces_nothing(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    await event(pool, org, timedelta(days=1))
    await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    assert await announced(scheduling, auth()) == []


async def test_an_hr_client_and_a_service_do_not_read_it(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    await event(pool, org, timedelta(days=100))
    await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    assert len(await announced(scheduling, auth(), expected=1)) == 1
    assert await announced(scheduling, auth("hr", client_org=str(uuid.uuid4()))) == []
    assert await announced(scheduling, auth("service")) == []


class _Killed(Exception):
    """The job's process dying between two batches (its next transaction never commits)."""


async def test_a_run_killed_between_batches_loses_no_record_and_the_next_run_announces_it(
    scheduling: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    """A run recorded and announced its removals once a tenant's rules were done: killed
    between batches, what it had removed was neither recorded nor announced. Here the first
    run removes the tenant's last old event and dies; the next finds nothing to remove (no
    rule lists the tenant any more) and still announces the first run's removal."""
    await event(pool, org, timedelta(days=100))
    outbox_rule = next(rule for rule in KIT_RULES if rule.name == "outbox")
    batches = 0

    async def dies_after_the_first_batch(conn: asyncpg.Connection, due: Due) -> int:
        nonlocal batches
        batches += 1
        if batches > 1:
            raise _Killed
        return await outbox_rule.remove(conn, due)

    dying = replace(outbox_rule, remove=dies_after_the_first_batch)
    with pytest.raises(_Killed):
        await run(pool, [dying], schema=SCHEMA, as_of=NOW, orgs={org}, batch=1)

    settings = await scheduling.get("/v1/retention-settings", headers=auth())
    runs = {s["name"]: s["last_run"] for s in settings.json()["settings"]}
    assert runs["outbox_days"]["removed"] == 1, "the removal is recorded with its batch"
    assert await stored(pool, org) == 0, "not announced yet"

    await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    (applied,) = await announced(scheduling, auth(), expected=1)
    (removal,) = applied["data"]["removals"]
    assert (removal["rule"], removal["removed"]) == ("outbox", 1)
    assert applied["data"]["ran_at"] == runs["outbox_days"]["ran_at"]

    await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    assert await stored(pool, org) == 1, "announced once"
