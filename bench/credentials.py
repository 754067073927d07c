"""Credentials: issuing proofs of attendance, and verifying one, per second.

In a tenant of its own, :data:`SESSIONS` closed SKJ sessions of :data:`ATTENDEES` people each
are recorded through the API (``POST /v1/ledger/sessions``, a service token), so each person
has a standing credit. Then:

- **issue**: every credit's proof of attendance (``POST /v1/credentials``, an admin's token
  naming the person), :data:`CLIENTS` clients at once, each credit once (a repeat would answer
  the credential already issued, which wrk's fixed requests cannot avoid): credentials per
  second and the time per issue. Issues of one tenant wait for each other by design: each
  takes the tenant's ledger lock, so that no reversal commits between reading and issuing.
- **verify**: one of those credentials verified as a verifier would (``POST
  /v1/credential-verifications``, no token) under wrk like every hot path: verifications per
  second and the service's CPU per verification.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from .dbceiling import percentile
from .load import LUA_DONE

if TYPE_CHECKING:
    from .measure import Bench

SESSIONS = 20
ATTENDEES = 10
CLIENTS = 4
VERIFY_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %(body)s
""" + LUA_DONE.replace("%", "%%")


def _session(day: date, people: list[uuid.UUID], first_number: int) -> dict[str, Any]:
    start = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
    return {
        "session_id": str(uuid.uuid4()),
        "date": day.isoformat(),
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=150)).isoformat(),
        "mode": "in_person",
        "group_size": len(people),
        "method": "Incidentmethode",
        "facilitator": {
            "name": "Bram Jansen",
            "recognitions": ["NOVA", "NIP", "LVSC", "MFN"],
            "roles": [{"register": "NOVA", "role": "gespreksleider"}],
        },
        "attendees": [
            {
                "person_id": str(person),
                "name": f"Deelnemer {first_number + i}",
                "presence": "present",
                "registrations": [
                    {
                        "register": "SKJ",
                        "number": str(110_000_000 + first_number + i),
                        "registered_on": "2015-03-01",
                    }
                ],
            }
            for i, person in enumerate(people)
        ],
    }


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": round(percentile(ordered, 0.5) * 1000, 1),
        "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
        "p99_ms": round(percentile(ordered, 0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
    }


async def _credits(base: str, service: dict[str, str], day: date) -> list[dict[str, str]]:
    """Record the sessions; every attendee's standing SKJ credit, as (session, person)."""
    credits = []
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as api:
        for s in range(SESSIONS):
            people = [uuid.uuid4() for _ in range(ATTENDEES)]
            body = _session(day, people, s * ATTENDEES)
            response = await api.post("/v1/ledger/sessions", json=body, headers=service)
            if response.status_code != 200:
                raise SystemExit(f"credentials: recording a session: {response.text[:500]}")
            credits += [{"session_id": body["session_id"], "person_id": str(p)} for p in people]
    return credits


async def _issue(
    base: str, admin: dict[str, str], credits: list[dict[str, str]]
) -> tuple[dict[str, Any], str]:
    """Issue every credit's credential, CLIENTS at once; the figures and one credential."""
    pending = list(credits)
    took: list[float] = []
    issued: list[str] = []

    async def client(api: httpx.AsyncClient) -> None:
        while pending:
            credit = pending.pop()
            started = time.perf_counter()
            response = await api.post(
                "/v1/credentials", json={**credit, "register": "SKJ"}, headers=admin
            )
            took.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise SystemExit(
                    f"credentials: issue answered {response.status_code}: {response.text[:500]}"
                )
            issued.append(response.json()["jws"])

    async with httpx.AsyncClient(base_url=base, timeout=60.0) as api:
        started = time.perf_counter()
        await asyncio.gather(*(client(api) for _ in range(CLIENTS)))
        seconds = time.perf_counter() - started
    figures = {
        "credentials": len(issued),
        "clients": CLIENTS,
        "seconds": round(seconds, 2),
        "per_second": round(len(issued) / seconds, 1),
        **_summary(took),
    }
    return figures, issued[0]


def measure(bench: Bench) -> dict[str, Any]:
    """Issue, then verify; keyed as the report reads them."""
    print("measuring credentials: issue and verify", flush=True)
    org = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kring-bench:credentials:{uuid.uuid4()}"))
    accreditation = bench.services["accreditation"]
    day = date.fromisoformat(bench.facts["period"][1]) - timedelta(days=30)
    service = {"Authorization": f"Bearer {bench.token(org, ['service'])}"}
    admin = {"Authorization": f"Bearer {bench.token(org, ['admin'])}"}
    credits = asyncio.run(_credits(accreditation.base, service, day))
    issue, jws = asyncio.run(_issue(accreditation.base, admin, credits))
    print(
        f"  issued {issue['credentials']} credentials: {issue['per_second']}/s, "
        f"median {issue['median_ms']} ms, p95 {issue['p95_ms']} ms",
        flush=True,
    )
    url = f"{accreditation.base}/v1/credential-verifications"
    body = {"credential": jws}
    check = httpx.post(url, json=body, timeout=30.0)
    if check.status_code != 200 or check.json().get("status") != "valid":
        raise SystemExit(f"credentials: verification answered {check.status_code}: {check.text}")
    verify = bench.load.wrk(
        "credential verify",
        url,
        "none",
        pid=accreditation.pid,
        script_text=VERIFY_LUA % {"body": json.dumps(json.dumps(body))},
        check=check,
    )
    return {"issue": issue, "verify": verify}
