"""The measurements of one run, in the order they are taken, on the processes already started.

The framework ceiling, then the registrant query against its peer (in turn: Kring, peer, peer,
Kring, so drift during the run weighs on both alike), the ladder between them, the profile, the
guarantees' cost (:mod:`bench.guarantees`), the database ceiling, the facilitator's upcoming
sessions, the HR sync, the framework ceiling again, the scale curve and the streamed export.
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

from . import guarantees
from .database import REGISTER
from .load import BATCH, BATCH_LUA, HR_CONNECTIONS, Load, batch_body, combine, export
from .processes import AUDIENCE, ISSUER, Processes, Service, start_rung


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
    answer, results["registrant_query"], results["peer"] = registrant_versus_peer(bench)
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
    batches = hr_sync(bench)
    results["people_batch_new"] = batches["new"]
    results["people_batch_unchanged"] = batches["unchanged"]
    # Again after the hot paths: the ratios use the mean, the report shows the drift.
    results["framework_ceiling_after"] = framework_ceiling(bench, "framework ceiling (again)")
    results["scale_curve"] = scale_curve(bench, results["registrant_query"])
    if with_export:
        results["export"] = exports(bench)
    return results


def framework_ceiling(bench: Bench, name: str) -> dict[str, Any]:
    ceiling = bench.services["ceiling"]
    return bench.load.wrk(name, f"{ceiling.base}/ceiling", "none", pid=ceiling.pid)


def same_answer(kring_url: str, peer_url: str, token: str) -> httpx.Response:
    """Kring's answer, after checking the peer gives the same one (else the race is unfair)."""
    headers = {"Authorization": f"Bearer {token}"}
    kring = httpx.get(kring_url, headers=headers, timeout=30.0)
    peer = httpx.get(peer_url, headers=headers, timeout=30.0)
    if kring.status_code != 200 or peer.status_code != 200 or kring.json() != peer.json():
        raise SystemExit(
            f"the peer does not answer as Kring does: {kring.status_code} vs {peer.status_code}"
        )
    return kring


def registrant_versus_peer(
    bench: Bench,
) -> tuple[httpx.Response, dict[str, Any], dict[str, Any]]:
    """The checked answer, then Kring's and the peer's figures, measured A B B A."""
    tenant = bench.main_tenant
    contenders = {
        "kring": ("registrant query", bench.registrar_url(tenant), bench.services["accreditation"]),
        "peer": ("peer (FastAPI)", bench.registrar_url(tenant, "peer"), bench.services["peer"]),
    }
    answer = same_answer(
        contenders["kring"][1], contenders["peer"][1], bench.registrar_token(tenant)
    )
    runs: dict[str, list[dict[str, Any]]] = {"kring": [], "peer": []}
    for turn in ("kring", "peer", "peer", "kring"):
        name, url, service = contenders[turn]
        token = bench.registrar_token(tenant)
        runs[turn].append(bench.load.wrk(name, url, token, pid=service.pid, check=answer))
    return answer, combine(runs["kring"]), combine(runs["peer"])


def ladder(bench: Bench, answer: httpx.Response) -> list[dict[str, Any]]:
    """The rungs between the framework ceiling and the registrant query (bench/ladder.py),
    each answering the registrant query's own page; measured in turn on the service core."""
    page = bench.load.work / "registrant-page.json"
    page.write_bytes(answer.content)
    env = {**os.environ, **bench.envs["accreditation"]}
    registrar = bench.registrar_token(bench.main_tenant)
    rungs = []
    for app, paths in (("bare", ["bare"]), ("stack", ["stack", "transaction"])):
        rung = start_rung(bench.procs, bench.pin, app, page=page, env=env)
        for path in paths:
            result = bench.load.wrk(
                f"ladder: {path}", f"{rung.base}/ladder/{path}", registrar, pid=rung.pid
            )
            rungs.append({"rung": path, **result})
        bench.procs.terminate(f"ladder-{app}")
    return rungs


def database_ceiling(bench: Bench) -> dict[str, Any]:
    """The registrant query's transaction and repository function, without HTTP."""
    tenant = bench.main_tenant
    first, last = bench.facts["period"]
    return bench.load.database(
        "database ceiling (registrant)",
        {
            "database_url": bench.database_url,
            "org_id": tenant["org_id"],
            "register": REGISTER,
            "registration_number": tenant["registration_number"],
            "from_date": first,
            "to_date": last,
            "concurrency": bench.load.connections,
        },
    )


def facilitator_upcoming(bench: Bench) -> dict[str, Any]:
    facilitator = bench.facts["facilitator"]
    token = bench.token(bench.main_tenant["org_id"], ["facilitator"], person=facilitator)
    scheduling = bench.services["scheduling"]
    return bench.load.wrk(
        "facilitator upcoming",
        f"{scheduling.base}/v1/sessions?person_id={facilitator}&from={bench.facts['period'][1]}",
        token,
        pid=scheduling.pid,
    )


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


def scale_curve(bench: Bench, registrant: dict[str, Any]) -> list[dict[str, Any]]:
    """The registrant query in every smaller tenant, and the main point already measured."""
    # Like the main point (two runs), each smaller tenant is measured twice, in
    # mirrored order, and averaged: one p99 under a saturating load is noisy.
    smaller = bench.facts["tenants"][1:]
    runs: dict[int, list[dict[str, Any]]] = {t["entries"]: [] for t in smaller}
    for tenant in [*smaller, *reversed(smaller)]:
        runs[tenant["entries"]].append(
            bench.load.wrk(
                f"registrant query {tenant['entries']:,}",
                bench.registrar_url(tenant),
                bench.registrar_token(tenant),
                pid=bench.services["accreditation"].pid,
            )
        )
    curve = [{"entries": n, **combine(r)} for n, r in runs.items()]
    curve.append({"entries": bench.main_tenant["entries"], **registrant})
    curve.sort(key=lambda p: p["entries"])
    return curve


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
