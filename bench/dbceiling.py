"""The database's ceiling: the registrar endpoint's own database work in a tight loop.

The service's pool (``services.kit.db.create_pool``, same settings and size), its per-request
transaction (``transaction``: ``BEGIN`` with the tenant and a logged read's asynchronous
commit, ``COMMIT``) and the repository function the endpoint calls (``registrar_page``, rows
decoded to ``LedgerEntry``), run by ``--concurrency`` tasks for ``--duration`` seconds. No
HTTP, no JSON encoding: what is left is asyncpg and PostgreSQL. The loop's own CPU per query
(``cpu.service_ms``) is the database work's cost on the service core.

``python -m bench.dbceiling '{"database_url": ..., "org_id": ..., ...}'`` prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import date

import asyncpg

from services.accreditation.config import SCHEMA, load_settings
from services.accreditation.ledger import export, repository
from services.accreditation.ledger.schemas import EntryPage
from services.kit.db import create_pool, transaction
from services.kit.migrations import app_role
from services.kit.pagination import DEFAULT_LIMIT, Keyset, page_of
from services.kit.privacy.processing_log import logged_read, read_mode
from services.kit.settings import Settings


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class EndpointWork:
    """The registrar endpoint's database work for one page: its transaction, as a logged read,
    and its repository function. ``params`` name the tenant, register, number and period."""

    def __init__(self, pool: asyncpg.Pool, params: dict[str, object]) -> None:
        self.pool = pool
        self.org = uuid.UUID(str(params["org_id"]))
        self.register = str(params["register"])
        self.numbers = export.spellings(self.register, str(params["registration_number"]))
        self.from_date = date.fromisoformat(str(params["from_date"]))
        self.to_date = date.fromisoformat(str(params["to_date"]))
        self.readonly, self.begin = read_mode("GET", logged_read())  # as the endpoint's

    async def page(self) -> EntryPage:
        """One page, as the endpoint answers it."""
        async with transaction(
            self.pool, org_id=self.org, readonly=self.readonly, also=self.begin
        ) as conn:
            items = await repository.registrar_page(
                conn,
                self.org,
                register_code=self.register,
                registration_numbers=self.numbers,
                from_date=self.from_date,
                to_date=self.to_date,
                asked=Keyset(None, DEFAULT_LIMIT),
                reader="bench-registrar",
                request_id=None,
            )
        return page_of(EntryPage, items, DEFAULT_LIMIT)

    async def once(self) -> int:
        """One page; the number of its entries."""
        return len((await self.page()).items)


def service_settings(database_url: str) -> Settings:
    """The accreditation service's settings on ``database_url``, as its app role."""
    return load_settings({}, database_url=database_url, database_role=app_role(SCHEMA))


async def run(params: dict[str, object]) -> dict[str, object]:
    settings = service_settings(str(params["database_url"]))
    duration = float(str(params["duration"]))
    warmup = float(str(params.get("warmup", 2)))
    concurrency = int(str(params.get("concurrency", 32)))
    pool = await create_pool(settings, schema=SCHEMA)
    work = EndpointWork(pool, params)
    latencies: list[float] = []
    rows = 0

    async def worker(deadline: float, record: bool) -> None:
        nonlocal rows
        while True:
            started = time.perf_counter()
            if started >= deadline:
                return
            count = await work.once()
            if record:
                latencies.append(time.perf_counter() - started)
                rows = count

    try:
        deadline = time.perf_counter() + warmup
        await asyncio.gather(*(worker(deadline, False) for _ in range(concurrency)))
        started, cpu = time.perf_counter(), time.process_time()
        deadline = started + duration
        await asyncio.gather(*(worker(deadline, True) for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await pool.close()
    return {
        **_summary(latencies, elapsed),
        "cpu": {
            "service_ms": round(cpu / max(1, len(latencies)) * 1000, 3),
            "service_core_busy": round(cpu / elapsed, 3),
        },
        "rows_per_query": rows,
        "concurrency": concurrency,
        "pool_max": settings.db_pool_max,
    }


def _summary(latencies: list[float], elapsed: float) -> dict[str, object]:
    """Requests, rate and latencies (microseconds) of the measured queries."""
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_us": round(percentile(latencies, 0.50) * 1e6),
        "p95_us": round(percentile(latencies, 0.95) * 1e6),
        "p99_us": round(percentile(latencies, 0.99) * 1e6),
        "max_us": round(latencies[-1] * 1e6) if latencies else 0,
    }


def main() -> None:
    params = json.loads(sys.argv[1])
    try:  # the event loop uvicorn picks for the services when it is installed
        import uvloop

        result = uvloop.run(run(params))
    except ImportError:
        result = asyncio.run(run(params))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
