"""The retention job on the real database: it removes what is due and nothing else, a second
run removes nothing, runs side by side remove each row once, a tenant's setting is applied
but never below its floor, and what it removed is recorded."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
import pytest_asyncio

from services import cli
from services.kit.db import transaction
from services.kit.privacy.retention import APPLIED, KIT_RULES, run
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA
from tests.kit.privacy.support import service_pool

NOW = datetime.now(UTC)


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    async with service_pool(settings_for) as pool:
        yield pool


async def subscriber(pool: asyncpg.Pool) -> uuid.UUID:
    """An operator's subscriber (no tenant), receiving every tenant's events."""
    sid = uuid.uuid4()
    async with transaction(pool, org_id=None) as conn:
        await conn.execute(
            "INSERT INTO subscribers (id, name, url, secret, types)"
            " VALUES ($1, $2, 'https://example.nl/e', 'whsec_x', ARRAY['t.t'])",
            sid,
            f"retention-{sid}",
        )
    return sid


async def event(
    pool: asyncpg.Pool,
    org: uuid.UUID,
    age: timedelta,
    *,
    deliveries: tuple[tuple[uuid.UUID, str], ...] = (),
) -> int:
    """An event of ``org`` that happened ``age`` ago, with a delivery per (subscriber, status)
    and an attempt of each finished one."""
    async with transaction(pool, org_id=None) as conn:
        position = await conn.fetchval(
            "INSERT INTO outbox (id, org_id, type, aggregate_id, payload, occurred_at)"
            " VALUES ($1, $2, 't.t', $3, $4, $5) RETURNING position",
            uuid.uuid4(),
            org,
            uuid.uuid4(),
            json.dumps({}),
            NOW - age,
        )
        for sid, status in deliveries:
            delivery = uuid.uuid4()
            await conn.execute(
                "INSERT INTO deliveries (id, subscriber_id, event_position, aggregate_id, status)"
                " VALUES ($1, $2, $3, $4, $5)",
                delivery,
                sid,
                position,
                uuid.uuid4(),
                status,
            )
            if status != "pending":
                await conn.execute(
                    "INSERT INTO delivery_attempts (delivery_id, duration_ms, status_code)"
                    " VALUES ($1, 12, 200)",
                    delivery,
                )
    return int(position)


async def idempotency_key(pool: asyncpg.Pool, org: uuid.UUID, age: timedelta) -> None:
    async with transaction(pool, org_id=org) as conn:
        await conn.execute(
            "INSERT INTO idempotency_keys"
            " (org_id, key, fingerprint, status, headers, body, created_at)"
            " VALUES ($1, $2, 'f', 201, '{}', 'b', $3)",
            org,
            os.urandom(32),
            NOW - age,
        )


async def counts(pool: asyncpg.Pool, org: uuid.UUID) -> dict[str, int]:
    """The tenant's rows of each kind; the runs' own announcements (``announced``) apart."""
    async with transaction(pool, org_id=org, readonly=True) as conn:
        row = await conn.fetchrow(
            """
            SELECT
                (SELECT count(*) FROM outbox WHERE org_id = $1 AND type <> $2) AS outbox,
                (SELECT count(*) FROM outbox WHERE org_id = $1 AND type = $2) AS announced,
                (SELECT count(*) FROM deliveries d JOIN outbox o ON o.position = d.event_position
                 WHERE o.org_id = $1) AS deliveries,
                (SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                 JOIN outbox o ON o.position = d.event_position WHERE o.org_id = $1) AS attempts,
                (SELECT count(*) FROM idempotency_keys) AS idempotency,
                (SELECT coalesce(sum(removed), 0) FROM retention_runs) AS recorded
            """,
            org,
            APPLIED,
        )
    return dict(row)


def removed(outcomes: list, org: uuid.UUID) -> dict[str, int]:
    found: dict[str, int] = {}
    for o in outcomes:
        if o.org_id == org:
            found[o.rule] = found.get(o.rule, 0) + o.removed
    return found


async def test_what_is_due_goes_and_the_rest_stays(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    sid = await subscriber(pool)
    old, recent = timedelta(days=100), timedelta(days=1)
    for _ in range(3):
        await event(pool, org, old, deliveries=((sid, "delivered"),))
    await event(pool, org, old, deliveries=((sid, "failed"), (await subscriber(pool), "pending")))
    await event(pool, org, recent, deliveries=((sid, "delivered"),))
    for age in (timedelta(hours=25), timedelta(hours=30), timedelta(hours=23)):
        await idempotency_key(pool, org, age)

    outcomes = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})

    # The event still being delivered stays, and so does its pending delivery; its finished
    # one is the delivery log's, older than 90 days: gone, with its attempt.
    assert removed(outcomes, org) == {"outbox": 3, "delivery_logs": 1, "idempotency": 2}
    assert await counts(pool, org) == {
        "outbox": 2,
        "announced": 1,
        "deliveries": 2,
        "attempts": 1,
        "idempotency": 1,
        "recorded": 6,
    }


async def test_a_second_run_removes_nothing(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    sid = await subscriber(pool)
    await event(pool, org, timedelta(days=200), deliveries=((sid, "delivered"),))
    await idempotency_key(pool, org, timedelta(days=2))
    first = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    after = await counts(pool, org)
    again = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    assert sum(removed(first, org).values()) == 2
    assert sum(removed(again, org).values()) == 0
    assert await counts(pool, org) == after  # and no new record of a removal


async def test_runs_side_by_side_remove_each_row_once(
    pool: asyncpg.Pool, org: uuid.UUID, settings_for: Callable[..., Settings]
) -> None:
    sid = await subscriber(pool)
    async with transaction(pool, org_id=None) as conn:
        positions = await conn.fetch(
            "INSERT INTO outbox (id, org_id, type, aggregate_id, payload, occurred_at)"
            " SELECT gen_random_uuid(), $1, 't.t', gen_random_uuid(), '{}', $2"
            " FROM generate_series(1, 1200) RETURNING position",
            org,
            NOW - timedelta(days=120),
        )
        await conn.execute(
            "INSERT INTO deliveries (id, subscriber_id, event_position, aggregate_id, status)"
            " SELECT gen_random_uuid(), $1, p, gen_random_uuid(), 'delivered'"
            " FROM unnest($2::bigint[]) AS p",
            sid,
            [r[0] for r in positions],
        )
    async with service_pool(settings_for) as other:
        outcomes = await asyncio.gather(
            *(
                run(p, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org}, batch=100)
                for p in (pool, other, pool, other)
            )
        )
    total = sum(removed(o, org).get("outbox", 0) for o in outcomes)
    left = await counts(pool, org)
    assert total == 1200, (left, [o for run_ in outcomes for o in run_ if o.rule == "outbox"])
    assert (left["outbox"], left["deliveries"]) == (0, 0)
    async with transaction(pool, org_id=org, readonly=True) as conn:
        recorded = await conn.fetchval(
            "SELECT sum(removed) FROM retention_runs WHERE rule = 'outbox'"
        )
    assert recorded == 1200  # each event counted once, by the runner that removed it


async def test_a_tenants_setting_is_applied_but_never_below_its_floor(
    pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    other = uuid.uuid4()
    for tenant in (org, other):
        await event(pool, tenant, timedelta(days=40))
        await event(pool, tenant, timedelta(days=3))
    async with transaction(pool, org_id=org) as conn:
        await conn.execute(
            "INSERT INTO retention_settings (org_id, name, value, updated_by)"
            " VALUES ($1, 'outbox_days', 30, 't')",
            org,
        )
    async with transaction(pool, org_id=other) as conn:  # stored before a floor was raised
        await conn.execute(
            "INSERT INTO retention_settings (org_id, name, value, updated_by)"
            " VALUES ($1, 'outbox_days', 1, 't')",
            other,
        )
    outcomes = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org, other})
    assert removed(outcomes, org)["outbox"] == 1
    assert removed(outcomes, other)["outbox"] == 1  # the 40 days old; the floor keeps 7 days
    assert (await counts(pool, org))["outbox"] == (await counts(pool, other))["outbox"] == 1


async def test_as_of_judges_as_at_a_later_day(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    await event(pool, org, timedelta(days=1))
    kept = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW, orgs={org})
    later = await run(pool, KIT_RULES, schema=SCHEMA, as_of=NOW + timedelta(days=90), orgs={org})
    assert removed(kept, org).get("outbox", 0) == 0
    assert removed(later, org)["outbox"] == 1
    async with transaction(pool, org_id=org, readonly=True) as conn:
        (record,) = await conn.fetch("SELECT * FROM retention_runs")
    assert record["rule"] == "outbox" and record["as_of"] == NOW + timedelta(days=90)
    assert record["cutoff"] == NOW  # 90 days before


async def test_a_naive_moment_is_refused(pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError):
        await run(pool, KIT_RULES, schema=SCHEMA, as_of=datetime(2030, 1, 1))


def test_the_command_runs_one_services_rules(
    database_url: str,
    org: uuid.UUID,
    settings_for: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_for("scheduling")

    async def seed() -> None:
        async with service_pool(settings_for) as pool:
            await idempotency_key(pool, org, timedelta(hours=1))

    asyncio.run(seed())
    # The command's app would point the process's logging at this test's captured stderr,
    # which closes when the test ends, and later tests would log into a closed file.
    monkeypatch.setattr("services.kit.app.configure_logging", lambda **_: None)
    monkeypatch.setenv("KRING_DATABASE_URL", database_url)
    monkeypatch.setenv("KRING_DATABASE_ROLE", settings.database_role or "")
    monkeypatch.setenv("KRING_JWT_JWKS", settings.jwt_jwks or "")
    later = (NOW + timedelta(days=2)).date().isoformat()
    args = ["retention", "--service", "scheduling", "--as-of", later, "--org", str(org)]
    assert cli.main(args) == 0
    assert f"scheduling idempotency {org}: 1 removed" in capsys.readouterr().out.splitlines()


def test_as_of_reads_a_date_or_a_moment() -> None:
    assert cli.as_of_moment("2034-01-01") == datetime(2034, 1, 1, tzinfo=UTC)
    assert cli.as_of_moment("2034-01-01T10:00:00+01:00") == datetime(2034, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(SystemExit):
        cli.as_of_moment("later")
