"""A person's export: everything Kring holds about one registrant of the main tenant.

A registrant of the main tenant (about 20 ledger entries over six years, a registration, a
consent; not the one the hot paths query) is exported by an admin, :data:`TIMES` times one
after the other, through scheduling's own part (``GET /v1/subjects/{id}/export``) and the
archive of the three services (``GET /v1/people/{id}/export``, a ZIP assembled over their
APIs): the time each takes, its size, and scheduling's peak RSS. A route the services do not
serve (404 or 405 for a person who exists) is reported as absent, and the run goes on.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx

from .database import REGISTER
from .dbceiling import percentile
from .processes import reset_peak, status_kb

if TYPE_CHECKING:
    from .measure import Bench

TIMES = 10
ROUTES = {
    "scheduling": "/v1/subjects/{person}/export",
    "archive": "/v1/people/{person}/export",
}


def _person(bench: Bench) -> str:
    """A consented registrant of the main tenant with the most entries (about 20 over six
    years), but not the one the hot paths query: each of the bench's hundreds of thousands of
    reads of that one is a row of their processing log, and their export was mostly that log
    (63 MB, 37 s), which no person's is."""
    token = bench.registrar_token(bench.main_tenant)
    answer = httpx.get(
        bench.registrar_url(bench.main_tenant),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    queried = uuid.UUID(answer.json()["items"][0]["person_id"])

    async def another() -> str:
        conn = await asyncpg.connect(bench.database_url)
        try:
            person = await conn.fetchval(
                """
                SELECT e.person_id FROM accreditation.ledger_entries e
                JOIN accreditation.consents c
                  ON c.org_id = e.org_id AND c.person_id = e.person_id
                 AND c.register_code = e.register_code AND c.revoked_at IS NULL
                WHERE e.org_id = $1 AND e.register_code = $2 AND e.person_id <> $3
                GROUP BY e.person_id ORDER BY count(*) DESC, e.person_id LIMIT 1
                """,
                uuid.UUID(bench.main_tenant["org_id"]),
                REGISTER,
                queried,
            )
            return str(person)
        finally:
            await conn.close()

    return asyncio.run(another())


def _one(url: str, headers: dict[str, str]) -> tuple[int, int, float]:
    started = time.perf_counter()
    size = 0
    with httpx.stream("GET", url, headers=headers, timeout=300.0) as response:
        for chunk in response.iter_bytes():
            size += len(chunk)
        status = response.status_code
    return status, size, time.perf_counter() - started


def measure(bench: Bench) -> dict[str, Any]:
    person = _person(bench)
    scheduling = bench.services["scheduling"]
    admin = {"Authorization": f"Bearer {bench.token(bench.main_tenant['org_id'], ['admin'])}"}
    print("measuring the subject export", flush=True)
    results: dict[str, Any] = {"person_id": person}
    for name, route in ROUTES.items():
        url = f"{scheduling.base}{route.format(person=person)}"
        status, size, _ = _one(url, admin)
        if status in (404, 405):
            results[name] = {"absent": True, "status": status}
            print(f"  {name}: {route} answered {status}: not served, skipped", flush=True)
            continue
        if status != 200:
            raise SystemExit(f"subject export {route} answered {status}")
        reset = reset_peak(scheduling.pid)
        rss_before = status_kb(scheduling.pid, "VmRSS")
        took = sorted(_one(url, admin)[2] for _ in range(TIMES))
        results[name] = {
            "absent": False,
            "route": route,
            "bytes": size,
            "times": TIMES,
            "median_ms": round(statistics.median(took) * 1000, 1),
            "p95_ms": round(percentile(took, 0.95) * 1000, 1),
            "max_ms": round(took[-1] * 1000, 1),
            "rss_before_mib": round(rss_before / 1024, 1),
            "peak_rss_mib": round(status_kb(scheduling.pid, "VmHWM") / 1024, 1),
            "peak_reset": reset,
        }
        print(
            f"  {name}: {size:,} bytes, median {results[name]['median_ms']} ms, "
            f"p95 {results[name]['p95_ms']} ms",
            flush=True,
        )
    return results
