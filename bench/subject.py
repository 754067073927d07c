"""A person's export: everything Kring holds about one registrant of the main tenant.

The registrant the hot paths query (about 20 ledger entries over six years, a registration, a
consent) is exported by an admin, :data:`TIMES` times one after the other, through
scheduling's own part (``GET /v1/subjects/{id}/export``) and the archive of the three services
(``GET /v1/people/{id}/export``, a ZIP assembled over their APIs): the time each takes, its
size, and scheduling's peak RSS. A route the services do not serve (404 or 405 for a person
who exists) is reported as absent, and the run goes on.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Any

import httpx

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
    """The queried registrant's person id (from the main tenant's ledger)."""
    token = bench.registrar_token(bench.main_tenant)
    answer = httpx.get(
        bench.registrar_url(bench.main_tenant),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30.0,
    )
    return str(answer.json()["items"][0]["person_id"])


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
