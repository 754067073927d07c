"""The flow's latency: from closing a session to its ledger entries and draft invoices being
readable, with the three services as separate processes exchanging signed webhooks; then the
issuing of those invoices.

Sessions are closed one at a time (so each measures the path, not a queue); for each, the
entries and the cost sheet are polled until both are there. Then every closed session's draft
invoices are issued, a session at a time per client and ``ISSUERS`` clients at once: each
issue takes the next gapless number of the facilitator's series, so issues of one series queue
behind each other by design.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import asyncpg
import httpx

from services.cli import SERVICES, platform_env
from services.kit import webhooks
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from services.platform import Platform

from . import delivery
from .dbceiling import percentile

MEMBERS = 6
ISSUERS = 4
AGREEMENT = {"ground_rules": "Op tijd.", "confidentiality": "Alles blijft in de groep."}
FIRM = {
    "name": "Advocatenkantoor Noord",
    "street": "Catharijnesingel 10",
    "postal_code": "3511 GB",
    "city": "Utrecht",
    "kvk_number": "87654321",
}
"""The lawyers' employer, as scheduling knows it and as invoicing bills it."""


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    return response.json() if response.content else {}


async def _member(api: httpx.AsyncClient, group_id: str, i: int, employer_id: str) -> str:
    """Member ``i``: a registered lawyer of the firm who joins the group, consents and accepts."""
    person = _ok(
        await api.put(
            f"/v1/people/by-external-id/m{i}",
            json={
                "given_name": f"Lid{i}",
                "family_name": "Advocaat",
                "employer_id": employer_id,
                "registrations": [{"register": "NOVA", "number": f"A{i:05d}"}],
            },
        )
    )
    _ok(await api.post(f"/v1/groups/{group_id}/members", json={"person_id": person["id"]}))
    base = f"/v1/groups/{group_id}/members/{person['id']}"
    _ok(await api.post(f"{base}/consent", json={"voluntary": True}))
    _ok(await api.post(f"{base}/acceptance", json={"agreement_version": 1}))
    return str(person["id"])


async def nova_group(
    urls: dict[str, str], admin: dict[str, str], *, invoice_prefix: str = "BENCH"
) -> tuple[dict[str, Any], list[str]]:
    """A NOvA intervisie group through the APIs: a recognised gespreksleider with a billing
    profile, six registered lawyers of one firm who consented and accepted the agreement,
    the firm billed for them. The group and the members' ids."""
    async with httpx.AsyncClient(base_url=urls["scheduling"], headers=admin, timeout=30) as api:
        firm = _ok(
            await api.put(
                "/v1/client-organisations/by-external-id/firm",
                json={"name": FIRM["name"], "kvk_number": FIRM["kvk_number"]},
            )
        )
        fac = _ok(
            await api.put(
                "/v1/people/by-external-id/fac",
                json={"given_name": "Gea", "family_name": "Leider"},
            )
        )
        _ok(
            await api.put(
                f"/v1/facilitators/{fac['id']}",
                json={"recognitions": [{"register": "NOVA", "role": "gespreksleider"}]},
            )
        )
        group = _ok(
            await api.post(
                "/v1/groups",
                json={
                    "name": "Advocaten",
                    "facilitator_id": fac["id"],
                    "mode": "in_person",
                    "location": "Utrecht",
                    "agreement": AGREEMENT,
                },
            )
        )
        members = [await _member(api, group["id"], i, firm["id"]) for i in range(MEMBERS)]
    async with httpx.AsyncClient(base_url=urls["invoicing"], headers=admin, timeout=30) as api:
        _ok(await api.put(f"/v1/debtors/for-client-organisation/{firm['id']}", json=FIRM))
        _ok(
            await api.put(
                f"/v1/billing-profiles/{fac['id']}",
                json={
                    "legal_name": "Leider Intervisie",
                    "street": "Oudegracht 1",
                    "postal_code": "3511 AA",
                    "city": "Utrecht",
                    "kvk_number": "12345678",
                    "btw_id": "NL000099998B57",
                    "iban": "NL91ABNA0417164300",
                    "invoice_prefix": invoice_prefix,
                },
            )
        )
    return group, members


async def planned_sessions(
    urls: dict[str, str],
    admin: dict[str, str],
    group: dict[str, Any],
    members: list[str],
    *,
    count: int,
    start: str,
) -> list[str]:
    """``count`` daily sessions from ``start`` (a date), every member present; not closed."""
    async with httpx.AsyncClient(base_url=urls["scheduling"], headers=admin, timeout=30) as api:
        planned = _ok(
            await api.post(
                "/v1/sessions",
                json={
                    "group_id": group["id"],
                    "start": f"{start}T19:00",
                    "end": f"{start}T21:30",
                    "rrule": f"FREQ=DAILY;COUNT={count}",
                },
            )
        )
        sessions = [s["id"] for s in planned["sessions"]]
        for session_id in sessions:
            await asyncio.gather(
                *(
                    api.put(f"/v1/sessions/{session_id}/attendance/{m}", json={"status": "present"})
                    for m in members
                )
            )
    return [str(s) for s in sessions]


async def _tenant(urls: dict[str, str], admin: dict[str, str], samples: int) -> list[str]:
    """The NOvA group with ``samples`` past sessions, planned and ready to close."""
    group, members = await nova_group(urls, admin)
    return await planned_sessions(urls, admin, group, members, count=samples, start="2024-02-01")


async def _readable(conn: asyncpg.Connection, org: uuid.UUID, session_id: uuid.UUID) -> bool:
    return bool(
        await conn.fetchval(
            """
        SELECT (SELECT count(*) FROM accreditation.ledger_entries
                WHERE org_id = $1 AND session_id = $2) = $3
           AND EXISTS (SELECT 1 FROM invoicing.cost_sheets WHERE org_id = $1 AND session_id = $2)
        """,
            org,
            session_id,
            MEMBERS,
        )
    )


def _admin(key: DevKey, org: uuid.UUID) -> dict[str, str]:
    """The headers of an admin of ``org``."""
    token = mint_token(
        key.private_key,
        kid=key.kid,
        issuer="kring-bench",
        audience="kring",
        org_id=org,
        subject="bench",
        roles=["admin"],
        ttl_seconds=3600,
    )
    return {"Authorization": f"Bearer {token}"}


async def _measure(
    urls: dict[str, str], database_url: str, key: DevKey, samples: int
) -> tuple[list[float], dict[str, Any]]:
    org = uuid.uuid4()
    admin = _admin(key, org)
    sessions = await _tenant(urls, admin, samples)
    latencies: list[float] = []
    conn = await asyncpg.connect(database_url)
    try:
        async with httpx.AsyncClient(base_url=urls["scheduling"], headers=admin, timeout=30) as api:
            for session_id in sessions:
                started = time.perf_counter()
                _ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))
                while not await _readable(conn, org, uuid.UUID(session_id)):
                    if time.perf_counter() - started > 30:
                        raise RuntimeError(
                            f"session {session_id} did not reach the ledger and invoices"
                        )
                    await asyncio.sleep(0.002)
                latencies.append((time.perf_counter() - started) * 1000)
        drafts = await conn.fetch(
            """
            SELECT array_agg(id ORDER BY id) AS ids FROM invoicing.invoices
            WHERE org_id = $1 AND status = 'draft' GROUP BY cost_sheet_id
            """,
            org,
        )
    finally:
        await conn.close()
    issued = await _issue(urls, admin, [list(row["ids"]) for row in drafts])
    return latencies, issued


async def _issue(
    urls: dict[str, str], admin: dict[str, str], sessions: list[list[uuid.UUID]]
) -> dict[str, Any]:
    """Issue each session's draft invoices (a session's at once), ``ISSUERS`` sessions at a time."""
    per_invoice: list[float] = []
    per_session: list[float] = []
    queue = list(sessions)
    async with httpx.AsyncClient(base_url=urls["invoicing"], headers=admin, timeout=60) as api:

        async def one(invoice_id: uuid.UUID) -> None:
            started = time.perf_counter()
            _ok(await api.post(f"/v1/invoices/{invoice_id}/issue"))
            per_invoice.append((time.perf_counter() - started) * 1000)

        async def worker() -> None:
            while queue:
                invoices = queue.pop()
                started = time.perf_counter()
                await asyncio.gather(*(one(i) for i in invoices))
                per_session.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(ISSUERS)))
        seconds = time.perf_counter() - began
    per_invoice.sort()
    per_session.sort()
    return {
        "sessions": len(per_session),
        "invoices": len(per_invoice),
        "clients": ISSUERS,
        "seconds": round(seconds, 2),
        "invoices_per_second": round(len(per_invoice) / seconds, 1) if seconds else 0.0,
        "invoice": _summary(per_invoice),
        "session": _summary(per_session),
    }


def _summary(values: list[float]) -> dict[str, float]:
    """Median, p95, p99 and max (ms) of sorted values."""
    if not values:
        return {}
    return {
        "median_ms": round(statistics.median(values), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "max_ms": round(values[-1], 1),
    }


def _deliveries(urls: dict[str, str], key: DevKey, *, samples: int) -> dict[str, Any]:
    """:mod:`bench.delivery`, in a tenant of its own with ``samples`` sessions to close."""
    admin = _admin(key, uuid.uuid4())

    async def tenant() -> tuple[dict[str, Any], list[str]]:
        group, members = await nova_group(urls, admin, invoice_prefix="DLV")
        start = "2024-02-01"
        return group, await planned_sessions(
            urls, admin, group, members, count=samples, start=start
        )

    group, sessions = asyncio.run(tenant())
    return delivery.measure(urls, admin, group, sessions)


def measure(
    database_url: str,
    ports: dict[str, int],
    *,
    samples: int = 40,
    prefix: list[str] | None = None,
    deliveries: bool = True,
) -> dict[str, Any]:
    """Median, p95 and max (ms) from close to readable, over ``samples`` sessions; then the
    issuing of their invoices; then, with ``deliveries``, webhooks to ten subscriptions, one
    hung (:mod:`bench.delivery`)."""
    key = DevKey.generate()
    envs = platform_env(
        ports,
        database_url=database_url,
        jwks=key.jwks(),
        issuer="kring-bench",
        audience="kring",
        webhook_secret=webhooks.new_secret(),
    )
    for env in envs.values():
        env["KRING_LOG_LEVEL"] = "warning"
        env["KRING_WEBHOOK_ALLOW_LOOPBACK"] = "1"  # the delivery's receivers are on this machine
    with Platform({name: ports[name] for name in SERVICES}, envs, prefix=prefix) as platform:
        closes, issued = asyncio.run(_measure(platform.urls, database_url, key, samples))
        delivered = _deliveries(platform.urls, key, samples=samples) if deliveries else None
    result = {"samples": len(closes), **_summary(sorted(closes)), "issue": issued}
    return {**result, "delivery": delivered} if delivered else result
