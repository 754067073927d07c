"""The measurements of one run, in the order they are taken, on the processes already started.

The framework ceiling, then the registrant query against its two peers (in mirrored turn:
Kring, raw peer, ORM peer, ORM peer, raw peer, Kring, so drift weighs on all alike), the
ladder between them, the profile, the guarantees' cost (:mod:`bench.guarantees`), the database
ceiling, the facilitator's upcoming sessions, the HR sync, the framework ceiling again, the
scale curve (a database per point, :mod:`bench.curve`) and the streamed export.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from services.kit.auth import mint_token
from services.kit.devkeys import DevKey

from . import cpu, credentials, guarantees, machine, subject
from .database import REGISTER
from .load import BATCH, BATCH_LUA, HR_CONNECTIONS, Load, batch_body, combine, export
from .processes import (
    AUDIENCE,
    ISSUER,
    Processes,
    Service,
    free_port,
    serve,
    start_module,
    start_rung,
)


@dataclass
class Bench:
    """What every measurement needs: the load, the processes and what the data set holds."""

    load: Load
    procs: Processes
    pin: dict[str, Any]
    key: DevKey
    facts: dict[str, Any]
    database_url: str
    envs: dict[str, dict[str, str]]
    services: dict[str, Service]

    @property
    def main_tenant(self) -> dict[str, Any]:
        return self.facts["tenants"][0]

    def token(self, org: str, roles: list[str], **claims: Any) -> str:
        return mint_token(
            self.key.private_key,
            kid=self.key.kid,
            issuer=ISSUER,
            audience=AUDIENCE,
            org_id=uuid.UUID(org),
            subject="bench",
            roles=roles,
            ttl_seconds=6 * 3600,
            **claims,
        )

    def registrar_token(self, tenant: dict[str, Any]) -> str:
        return self.token(tenant["org_id"], ["registrar"], register=REGISTER)

    def registrar_url(self, tenant: dict[str, Any], service: str = "accreditation") -> str:
        first, last = self.facts["period"]
        return (
            f"{self.services[service].base}/v1/registrar/entries?registration_number="
            f"{tenant['registration_number']}&from={first}&to={last}"
        )


def hot_paths(bench: Bench, *, with_profile: bool, with_export: bool) -> dict[str, Any]:
    """Every measurement on the started processes, keyed as the report reads them."""
    print("measuring", flush=True)
    results: dict[str, Any] = {"framework_ceiling": framework_ceiling(bench, "framework ceiling")}
    answer, contenders = registrant_versus_peers(bench)
    results["registrant_query"] = contenders.pop("kring")
    results.update(contenders)
    results["kring_and_raw_peer_in_pairs"] = kring_and_raw_peer_in_pairs(bench, answer)
    results["ladder"] = ladder(bench, answer)
    if with_profile:
        results["profile"] = bench.load.profile(
            "registrant query (profiled)",
            bench.registrar_url(bench.main_tenant),
            bench.registrar_token(bench.main_tenant),
            bench.services["accreditation"].pid,
        )
    results["guarantees"] = guarantees.measure(bench)
    results["database_ceiling"] = database_ceiling(bench)
    results["facilitator_upcoming"] = facilitator_upcoming(bench)
    results["sessions_floor"] = sessions_floor(bench)
    batches = hr_sync(bench)
    results["people_batch_new"] = batches["new"]
    results["people_batch_unchanged"] = batches["unchanged"]
    # Again after the hot paths: the ratios use the mean, the report shows the drift.
    results["framework_ceiling_after"] = framework_ceiling(bench, "framework ceiling (again)")
    results["credentials"] = credentials.measure(bench)
    results["workers"] = workers(bench)
    results["pools"] = pools(bench)
    results["scale_curve"] = scale_curve(bench)
    if with_export:
        results["export"] = exports(bench)
        results["subject_export"] = subject.measure(bench)
    return results


def workers(bench: Bench) -> dict[str, Any]:
    """``kring serve accreditation --workers 2`` against one worker on the registrant query,
    measured in mirrored turn (1, 2, 2, 1). Both may use every core and PostgreSQL gets every
    core back for the while (a second worker pinned to the service core would only share it);
    wrk stays on the load core, so the second worker competes with wrk and PostgreSQL."""
    print("measuring workers: 1 against 2 on the registrant query", flush=True)
    everywhere = (
        ["taskset", "-c", ",".join(map(str, bench.pin["cores"]))] if bench.pin["pinned"] else []
    )
    pin = {**bench.pin, "service": everywhere}
    served = {
        n: serve(
            bench.procs,
            pin,
            "accreditation",
            bench.envs["accreditation"],
            free_port(),
            name=f"workers-{n}",
            workers=n,
        )
        for n in (1, 2)
    }
    machine.unpin_postgres(bench.pin)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    tenant = bench.main_tenant
    path = bench.registrar_url(tenant).split("/", 3)[3]
    try:
        for n in (1, 2, 2, 1):
            runs[n].append(
                bench.load.wrk(
                    f"registrant query, {n} worker{'s' if n > 1 else ''}",
                    f"{served[n].base}/{path}",
                    bench.registrar_token(tenant),
                    pid=served[n].pid,
                )
            )
    finally:
        for n in served:
            bench.procs.terminate(f"workers-{n}")
        if bench.pin["pinned"]:
            cpu.pin_postgres({bench.pin["load_core"]})
    return {str(n): combine(r) for n, r in runs.items()}


LARGER_POOL = 20
"""The pool both Kring and the raw peer get in :func:`pools` (the default is 10)."""


def pools(bench: Bench) -> dict[str, Any]:
    """Kring and the raw peer again, each with a pool of :data:`LARGER_POOL` connections
    (``KRING_DB_POOL_MAX``) instead of the default, measured in mirrored turn (Kring, peer,
    peer, Kring): at 32 requests in flight, whether the pool is what a contender waits for."""
    print(f"measuring the registrant query with a pool of {LARGER_POOL}", flush=True)
    env = {**bench.envs["accreditation"], "KRING_DB_POOL_MAX": str(LARGER_POOL)}
    served = {
        "kring": serve(
            bench.procs, bench.pin, "accreditation", env, free_port(), name="pool-kring"
        ),
        "peer_raw": start_module(
            bench.procs,
            bench.pin,
            "peer",
            {**os.environ, **env},
            name="pool-peer-raw",
            args=["--raw"],
            note=f"  # the accreditation service's environment, KRING_DB_POOL_MAX={LARGER_POOL}",
        ),
    }
    tenant = bench.main_tenant
    path = bench.registrar_url(tenant).split("/", 3)[3]
    runs: dict[str, list[dict[str, Any]]] = {turn: [] for turn in served}
    try:
        for turn in ("kring", "peer_raw", "peer_raw", "kring"):
            runs[turn].append(
                bench.load.wrk(
                    f"{CONTENDERS[turn][0]}, pool of {LARGER_POOL}",
                    f"{served[turn].base}/{path}",
                    bench.registrar_token(tenant),
                    pid=served[turn].pid,
                )
            )
    finally:
        bench.procs.terminate("pool-kring")
        bench.procs.terminate("pool-peer-raw")
    return {"pool": LARGER_POOL, **{turn: combine(r) for turn, r in runs.items()}}


def framework_ceiling(bench: Bench, name: str) -> dict[str, Any]:
    ceiling = bench.services["ceiling"]
    return bench.load.wrk(name, f"{ceiling.base}/ceiling", "none", pid=ceiling.pid)


PEERS = ("peer_raw", "peer")
"""The ladder of peers below Kring: FastAPI + pydantic on raw asyncpg SQL, then with the ORM."""
CONTENDERS = {
    "kring": ("registrant query", "accreditation"),
    "peer_raw": ("peer (FastAPI, raw asyncpg)", "peer-raw"),
    "peer": ("peer (FastAPI, ORM)", "peer"),
}
"""Each contender's name in the log and the process that serves it."""


def same_answer(kring_url: str, peer_urls: dict[str, str], token: str) -> httpx.Response:
    """Kring's answer, after checking each peer gives the same one (else the race is unfair)."""
    headers = {"Authorization": f"Bearer {token}"}
    kring = httpx.get(kring_url, headers=headers, timeout=30.0)
    for name, url in peer_urls.items():
        peer = httpx.get(url, headers=headers, timeout=30.0)
        if kring.status_code != 200 or peer.status_code != 200 or kring.json() != peer.json():
            raise SystemExit(
                f"{name} does not answer as Kring does: {kring.status_code} vs {peer.status_code}"
            )
    return kring


def registrant_versus_peers(bench: Bench) -> tuple[httpx.Response, dict[str, dict[str, Any]]]:
    """The checked answer, then Kring's and each peer's figures, measured in mirrored order
    (Kring, raw peer, ORM peer, ORM peer, raw peer, Kring), so drift weighs on all alike."""
    tenant = bench.main_tenant
    urls = {turn: bench.registrar_url(tenant, service) for turn, (_, service) in CONTENDERS.items()}
    answer = same_answer(
        urls["kring"], {turn: urls[turn] for turn in PEERS}, bench.registrar_token(tenant)
    )
    runs: dict[str, list[dict[str, Any]]] = {turn: [] for turn in CONTENDERS}
    order = list(CONTENDERS)
    for turn in [*order, *reversed(order)]:
        name, service = CONTENDERS[turn]
        token = bench.registrar_token(tenant)
        runs[turn].append(
            bench.load.wrk(name, urls[turn], token, pid=bench.services[service].pid, check=answer)
        )
    return answer, {turn: combine(r) for turn, r in runs.items()}


PEER_PAIRS = 8


def kring_and_raw_peer_in_pairs(bench: Bench, answer: httpx.Response) -> list[dict[str, Any]]:
    """Kring and the raw peer in :data:`PEER_PAIRS` pairs of 4 s bursts, one after the other,
    the order swapped each pair: each burst's throughput, p99 and service CPU. The machine
    drifts within the minutes the mirrored runs take; a pair's two bursts, seconds apart,
    drift less, and the median pair is the bar's judge. (Loading the two at once would share
    the core's caches between two different programs, which weighs on one more than the
    other: measured, it put Kring at 0.79x the peer's CPU where bursts in turn put it at
    0.56x to 0.69x.)"""
    bursts = Load(bench.pin, bench.load.work, duration=4.0, warmup=1.0)
    token = bench.registrar_token(bench.main_tenant)
    pairs = []
    for turn in range(PEER_PAIRS):
        names = ("kring", "peer_raw") if turn % 2 == 0 else ("peer_raw", "kring")
        pair = {}
        for name in names:
            label, service = CONTENDERS[name]
            result = bursts.wrk(
                f"{label}, pair {turn + 1}",
                bench.registrar_url(bench.main_tenant, service),
                token,
                pid=bench.services[service].pid,
                check=answer,
            )
            pair[name] = {
                "rps": result["rps"],
                "p99_us": result["p99_us"],
                "service_ms": result["cpu"]["service_ms"],
            }
        pairs.append(pair)
    bench.load.commands += bursts.commands
    return pairs


def ladder(bench: Bench, answer: httpx.Response) -> list[dict[str, Any]]:
    """The rungs between the framework ceiling and the registrant query (bench/ladder.py),
    each answering the registrant query's own page (the floor the page it read, checked to be
    the query's JSON first); measured in turn on the service core."""
    page = bench.load.work / "registrant-page.json"
    page.write_bytes(answer.content)
    env = {**os.environ, **bench.envs["accreditation"]}
    registrar = bench.registrar_token(bench.main_tenant)
    rungs = []
    apps = (("bare", ["bare"]), ("stack", ["stack", "transaction"]), ("floor", ["floor"]))
    for app, paths in apps:
        floor = app == "floor"
        work = _registrant_work(bench) if floor else None
        rung = start_rung(
            bench.procs, bench.pin, app, page=None if floor else page, env=env, work=work
        )
        if floor and httpx.get(f"{rung.base}/ladder/floor", timeout=30).json() != answer.json():
            raise SystemExit("the floor does not answer the registrant query's JSON")
        for path in paths:
            result = bench.load.wrk(
                f"ladder: {path}", f"{rung.base}/ladder/{path}", registrar, pid=rung.pid
            )
            rungs.append({"rung": path, **result})
        bench.procs.terminate(f"ladder-{app}")
    return rungs


def _registrant_work(bench: Bench) -> dict[str, Any]:
    """The registrant query's database work (bench.dbceiling.EndpointWork): whose page, of when."""
    tenant = bench.main_tenant
    first, last = bench.facts["period"]
    return {
        "database_url": bench.database_url,
        "org_id": tenant["org_id"],
        "register": REGISTER,
        "registration_number": tenant["registration_number"],
        "from_date": first,
        "to_date": last,
    }


def database_ceiling(bench: Bench) -> dict[str, Any]:
    """The registrant query's transaction and repository function, without HTTP."""
    return bench.load.database(
        "database ceiling (registrant)",
        {**_registrant_work(bench), "concurrency": bench.load.connections},
    )


def facilitator_upcoming(bench: Bench) -> dict[str, Any]:
    token = bench.token(
        bench.main_tenant["org_id"], ["facilitator"], person=bench.facts["facilitator"]
    )
    scheduling = bench.services["scheduling"]
    return bench.load.wrk(
        "facilitator upcoming", f"{scheduling.base}/{_upcoming(bench)}", token, pid=scheduling.pid
    )


def _upcoming(bench: Bench) -> str:
    """The facilitator's upcoming sessions: the list's path and query."""
    return f"v1/sessions?person_id={bench.facts['facilitator']}&from={bench.facts['period'][1]}"


def sessions_floor(bench: Bench) -> dict[str, Any]:
    """The session list's floor (``bench.ladder`` ``sessions-floor``): bare Litestar doing the
    list's database work, checked to answer the list's own JSON first."""
    facilitator = bench.facts["facilitator"]
    token = bench.token(bench.main_tenant["org_id"], ["facilitator"], person=facilitator)
    work = {
        "database_url": bench.database_url,
        "org_id": bench.main_tenant["org_id"],
        "person_id": facilitator,
        "from_date": bench.facts["period"][1],
    }
    env = {**os.environ, **bench.envs["scheduling"]}
    rung = start_rung(bench.procs, bench.pin, "sessions-floor", page=None, env=env, work=work)
    try:
        url = f"{rung.base}/ladder/sessions-floor"
        listed = httpx.get(
            f"{bench.services['scheduling'].base}/{_upcoming(bench)}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        floor = httpx.get(url, timeout=30)
        if floor.json() != listed.json():
            raise SystemExit("the session list's floor does not answer the list's JSON")
        return {
            "rung": "sessions-floor",
            **bench.load.wrk("ladder: sessions-floor", url, token, pid=rung.pid, check=floor),
        }
    finally:
        bench.procs.terminate("ladder-sessions-floor")


def _hr_token(bench: Bench) -> str:
    """An HR client's token, for a client organisation the admin puts in place first."""
    org = bench.main_tenant["org_id"]
    employer = httpx.put(
        f"{bench.services['scheduling'].base}/v1/client-organisations/by-external-id/bench-hr",
        json={"name": "Bench HR"},
        headers={"Authorization": f"Bearer {bench.token(org, ['admin'])}"},
        timeout=30.0,
    )
    if employer.status_code >= 300:
        raise SystemExit(f"client organisation: {employer.status_code} {employer.text}")
    return bench.token(org, ["hr"], client_org=employer.json()["id"])


def hr_sync(bench: Bench) -> dict[str, Any]:
    """People upsert in batches of BATCH, as an HR system syncs: new people, then a re-sync."""
    hr = _hr_token(bench)
    scheduling = bench.services["scheduling"]
    url = f"{scheduling.base}/v1/people/batch"
    results = {}
    for mode, prefix in (("new", "check"), ("unchanged", "same")):
        check = httpx.post(
            url,
            json=batch_body(prefix),
            headers={"Authorization": f"Bearer {hr}"},
            timeout=60.0,
        )
        results[mode] = bench.load.wrk(
            f"people batch ({mode})",
            url,
            hr,
            pid=scheduling.pid,
            script_text=BATCH_LUA % {"token": hr, "mode": mode, "size": BATCH},
            check=check,
            connections=HR_CONNECTIONS,
        )
    return results


def scale_curve(bench: Bench) -> list[dict[str, Any]]:
    """The registrant query at every point of the curve (:mod:`bench.curve`), each a database of
    its own served by an accreditation process of its own, all started alike on the service
    core; each point measured twice, in mirrored order (one p99 under a saturating load is
    noisy), and averaged."""
    points = bench.facts.get("curve", [])
    if not points:
        return []
    print("measuring the scale curve", flush=True)
    served = {}
    for point in points:
        env = {**bench.envs["accreditation"], "KRING_DATABASE_URL": point["url"]}
        served[point["entries"]] = serve(
            bench.procs,
            bench.pin,
            "accreditation",
            env,
            free_port(),
            name=f"curve-{point['entries']}",
            note=f"  # on {point['database']}",
        )
    runs: dict[int, list[dict[str, Any]]] = {p["entries"]: [] for p in points}
    try:
        for point in [*points, *reversed(points)]:
            service = served[point["entries"]]
            first, last = point["period"]
            url = (
                f"{service.base}/v1/registrar/entries?registration_number="
                f"{point['registration_number']}&from={first}&to={last}"
            )
            runs[point["entries"]].append(
                bench.load.wrk(
                    f"registrant query {point['entries']:,}",
                    url,
                    bench.registrar_token(point),
                    pid=service.pid,
                )
            )
    finally:
        for point in points:
            bench.procs.terminate(f"curve-{point['entries']}")
    return [
        {
            "entries": p["entries"],
            "database": p["database"],
            "sizes": p["sizes"],
            "reused": p["reused"],
            "build_seconds": p["build_seconds"],
            "registration_number": p["registration_number"],
            "registrant_entries_in_period": p["registrant_entries_in_period"],
            **combine(runs[p["entries"]]),
        }
        for p in points
    ]


def exports(bench: Bench) -> list[dict[str, Any]]:
    """The register's ledger streamed for the last year, then for everything."""
    token = bench.registrar_token(bench.main_tenant)
    last = bench.facts["period"][1]
    year = (date.fromisoformat(last) - timedelta(days=365)).isoformat()
    accreditation = bench.services["accreditation"]
    runs = []
    for since in (year, "2000-01-01"):
        path = f"/v1/registers/{REGISTER}/ledger.ndjson?from={since}&to={last}"
        bench.load.commands.append(
            f"# httpx streams GET 'http://127.0.0.1:PORT{path}' (registrar token)"
        )
        runs.append(export(f"{accreditation.base}{path}", token, accreditation.pid))
    return runs
