"""The scale curve's data sets: one database per ledger size, built once and reused across runs.

Each point of the registrant query's curve (10k, 100k, 1M, 10M entries, up to ``--curve-max``)
is a database of its own on the bench's server, holding one tenant's ledger of that size
(:func:`bench.data.curve_tenant`: about 20 entries per registrant), so a point measures a
table, its indexes and a database of that size, and the size of each is reported. A database
is named by a hash of what builds it (entries, seed, generator version, entries per
registrant), ``kring_bench_curve_<entries>_<hash>``; a run finds it by name and reuses it
(migrated to head), and builds it only when it is missing or was left half built (no
``bench_meta`` row). The day a point was built is its anchor: its registrant's period is the
five years before it, so a point is never rebuilt for the date.

Built fast, as a bulk load: the ledger's keys, foreign keys and indexes are dropped (their
definitions kept from the catalogue), the rows inserted from ``generate_series`` in chunks of
:data:`CHUNK` on :data:`PARALLEL` connections, then the keys and indexes rebuilt from those
definitions (the foreign keys validated again), and the tables vacuumed and analysed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from services.cli import STATE_DIR, ensure_database, migrate, with_database

from . import data, database

SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
CHUNK = 500_000
PARALLEL = 2
LEDGER = data.LEDGER


def sizes(largest: int) -> list[int]:
    """The curve's points up to ``largest`` entries (always the first two: a curve needs two)."""
    return [n for n in SIZES if n <= largest] or list(SIZES[:2])


def database_name(entries: int, seed: int) -> str:
    key = {
        "entries": entries,
        "seed": seed,
        "generator": data.GENERATOR_VERSION,
        "per_registrant": data.ENTRIES_PER_PERSON,
    }
    digest = hashlib.md5(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    return f"kring_bench_curve_{entries}_{digest}"


async def _drop(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _session(url: str, seed: int) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await conn.execute("SET work_mem = '256MB'; SET synchronous_commit = off")
    await conn.execute("SET maintenance_work_mem = '1GB'")
    for statement in data._functions(seed):
        await conn.execute(statement)
    return conn


async def _timed(steps: list[dict[str, Any]], step: str, work: Any, *, rows: int = 0) -> None:
    started = time.perf_counter()
    await work
    seconds = round(time.perf_counter() - started, 2)
    steps.append({"step": step, "rows": rows, "seconds": seconds})
    print(f"    {step:<34} {rows:>12,} rows {seconds:8.1f} s", flush=True)


async def _each(
    conn: asyncpg.Connection, statements: Sequence[str], anchor: date | None = None
) -> None:
    """Each statement in turn; the anchor day as $1 to those that take it."""
    for statement in statements:
        await conn.execute(statement, *((anchor,) if "$1" in statement else ()))


async def _rebuild(conns: list[asyncpg.Connection], rebuild: list[str], foreign: list[str]) -> None:
    """Keys first (the foreign keys need them), then the indexes, one per connection at a
    time, then the foreign keys (validated again)."""
    first = conns[0]
    for statement in (s for s in rebuild if s.startswith("ALTER TABLE")):
        await first.execute(statement)
    pending = [s for s in rebuild if not s.startswith("ALTER TABLE")]

    async def builder(conn: asyncpg.Connection) -> None:
        while pending:
            await conn.execute(pending.pop(0))

    await asyncio.gather(*(builder(conn) for conn in conns))
    for statement in foreign:
        await first.execute(statement)


async def _build(url: str, entries: int, seed: int, anchor: date) -> list[dict[str, Any]]:
    tenant = data.curve_tenant(entries)
    org = data.org_id(seed, tenant.label)
    conns = [await _session(url, seed) for _ in range(PARALLEL)]
    steps: list[dict[str, Any]] = []
    try:
        first = conns[0]
        drops, rebuild, foreign = await data.ledger_keys(first)
        for statement in drops:
            await first.execute(statement)
        await _timed(
            steps,
            "consents",
            first.execute(data._consents(tenant, org), anchor),
            rows=tenant.people,
        )

        inputs = data._ledger_inputs(tenant)
        await _timed(steps, "ledger inputs (sessions, people)", _each(first, inputs, anchor))
        chunks = [range(i, min(i + CHUNK, entries)) for i in range(0, entries, CHUNK)]
        queue: asyncio.Queue[range] = asyncio.Queue()
        for chunk in chunks:
            queue.put_nowait(chunk)

        async def loader(conn: asyncpg.Connection) -> None:
            while not queue.empty():
                await conn.execute(data._ledger(tenant, org, queue.get_nowait()))

        await _timed(
            steps,
            f"ledger entries ({len(chunks)} chunks, {PARALLEL} connections)",
            asyncio.gather(*(loader(conn) for conn in conns)),
            rows=entries,
        )
        await first.execute(f"DROP TABLE {data.SESSIONS_INPUT}, {data.PEOPLE_INPUT}")

        await _timed(
            steps,
            f"keys and indexes ({len(rebuild)}), foreign keys",
            _rebuild(conns, rebuild, foreign),
        )

        vacuum = f"VACUUM (ANALYZE) {LEDGER}", "VACUUM (ANALYZE) accreditation.consents"
        await _timed(steps, "vacuum analyze", _each(first, vacuum))
    finally:
        for conn in conns:
            await conn.close()
    return steps


async def _registrant(url: str, entries: int, seed: int, anchor: date) -> dict[str, Any]:
    """The point's registrant: the consented one with the most entries in the period."""
    tenant = data.curve_tenant(entries)
    first = anchor.replace(year=anchor.year - database.PERIOD_YEARS)
    conn = await asyncpg.connect(url)
    try:
        facts = await database._tenant(conn, tenant, seed=seed, first=first, anchor=anchor)
    finally:
        await conn.close()
    return {**facts, "period": [first.isoformat(), anchor.isoformat()]}


async def _sizes(url: str) -> dict[str, int]:
    """The database's size, the ledger table's and its indexes', in bytes."""
    conn = await asyncpg.connect(url)
    try:
        sizes = await conn.fetchrow(
            "SELECT pg_database_size(current_database()) AS database, "
            "pg_table_size($1::regclass) AS ledger_table, "
            "pg_indexes_size($1::regclass) AS ledger_indexes",
            LEDGER,
        )
    finally:
        await conn.close()
    return dict(sizes)


async def _record(url: str, meta: dict[str, Any]) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE public.bench_meta (key text PRIMARY KEY, value text)")
        await conn.execute("INSERT INTO public.bench_meta VALUES ('curve', $1)", json.dumps(meta))
    finally:
        await conn.close()


def prepare_point(admin_url: str, entries: int, *, seed: int) -> dict[str, Any]:
    """One point's database, reused when it is there and complete, else built."""
    name = database_name(entries, seed)
    url = with_database(admin_url, name)
    if asyncio.run(database.exists(admin_url, name)):
        meta = asyncio.run(database.meta(url, "curve"))
        if meta is not None:
            print(f"scale curve: reusing {name}", flush=True)
            migrate(url)  # migrations added since keep the service ready; rows stay
            sizes = asyncio.run(_sizes(url))
            return {**meta, "sizes": sizes, "database": name, "url": url, "reused": True}
        asyncio.run(_drop(admin_url, name))  # half built: a run stopped during its build
    print(f"scale curve: building {name} ({entries:,} ledger entries)", flush=True)
    started = time.perf_counter()
    ensure_database(admin_url, name)
    migrate(url)
    anchor = datetime.now(UTC).date()
    steps = asyncio.run(_build(url, entries, seed, anchor))
    facts = asyncio.run(_registrant(url, entries, seed, anchor))
    meta = {
        **facts,
        "entries_built": entries,
        "anchor": anchor.isoformat(),
        "steps": steps,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    asyncio.run(_record(url, meta))
    print(f"scale curve: {name} ready in {meta['build_seconds']} s", flush=True)
    sizes = asyncio.run(_sizes(url))
    return {**meta, "sizes": sizes, "database": name, "url": url, "reused": False}


BYTES_PER_ENTRY = 2_000
"""Disk a point needs per entry while it is built: about 1 KB for the rows and indexes (10M
entries: 9.6 GB), as much again for the write-ahead log until a checkpoint recycles it."""


def _room(entries: int) -> str | None:
    """Why a point of ``entries`` cannot be built on the embedded server's disk (None: it can,
    or the server is elsewhere and its disk unknown)."""
    if os.environ.get("DATABASE_URL") or not STATE_DIR.exists():
        return None
    free = shutil.disk_usage(STATE_DIR).free
    need = entries * BYTES_PER_ENTRY
    if free >= need:
        return None
    return f"{need / 1e9:.1f} GB needed to build it, {free / 1e9:.1f} GB free"


def prepare(admin_url: str, *, largest: int, seed: int) -> list[dict[str, Any]]:
    """Every point of the curve up to ``largest`` entries, smallest first; a point that is not
    built yet and does not fit on the disk ends the curve before it (said in the log)."""
    points = []
    for n in sizes(largest):
        exists = asyncio.run(database.exists(admin_url, database_name(n, seed)))
        if not exists and (why := _room(n)) is not None:
            print(f"scale curve: stopping before {n:,} entries: {why}", flush=True)
            break
        points.append(prepare_point(admin_url, n, seed=seed))
    return points


def main() -> None:
    """``python -m bench.curve [--max N] [--seed S]``: build (or find) the curve's databases
    ahead of a run, since the first build of the 10M point takes minutes."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.curve", description=main.__doc__)
    parser.add_argument("--max", type=int, default=SIZES[-1], help="the largest ledger")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    admin_url, _, _server = database.server_url()
    for point in prepare(admin_url, largest=args.max, seed=args.seed):
        built = "reused" if point["reused"] else f"built in {point['build_seconds']} s"
        print(f"{point['database']}: {point['sizes']['database'] / 1e9:.2f} GB, {built}")


if __name__ == "__main__":
    main()
