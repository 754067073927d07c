"""A closed session becomes ledger entries and invoices across three processes:
nothing lost and nothing doubled, even when the consumers are killed mid-burst."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

import asyncpg
import httpx

from bench.flow import MEMBERS, nova_group, planned_sessions
from tests.flow.platform import Platform


def ok(response: httpx.Response) -> dict:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else {}


async def make_tenant(platform: Platform, admin: dict[str, str]) -> tuple[dict, list[str]]:
    """A NOvA intervisie group: a recognised gespreksleider, six registered lawyers, a billing
    profile for the facilitator (the bench's flow builds the same)."""
    return await nova_group(platform.urls, admin, invoice_prefix="GL")


async def plan_and_record(
    platform: Platform,
    admin: dict[str, str],
    group: dict,
    members: list[str],
    *,
    series: int,
    start: str,
) -> list[str]:
    """``series`` daily sessions from ``start``, every member present; planned, not closed."""
    return await planned_sessions(platform.urls, admin, group, members, count=series, start=start)


async def counts(database_url: str, org: uuid.UUID) -> tuple[int, int, int, int]:
    conn = await asyncpg.connect(database_url)
    try:
        return (
            await conn.fetchval(
                "SELECT count(*) FROM accreditation.ledger_entries"
                " WHERE org_id = $1 AND kind = 'credit'",
                org,
            ),
            await conn.fetchval(
                "SELECT count(*) FROM (SELECT DISTINCT session_id, person_id, register_code"
                " FROM accreditation.ledger_entries WHERE org_id = $1 AND kind = 'credit') d",
                org,
            ),
            await conn.fetchval(
                "SELECT count(*) FROM invoicing.cost_sheets WHERE org_id = $1", org
            ),
            await conn.fetchval("SELECT count(*) FROM invoicing.invoices WHERE org_id = $1", org),
        )
    finally:
        await conn.close()


async def wait_for(
    database_url: str, org: uuid.UUID, expected: tuple[int, int, int, int], seconds: float
) -> tuple:
    deadline = time.monotonic() + seconds
    seen = await counts(database_url, org)
    while seen != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        seen = await counts(database_url, org)
    return seen


async def test_a_closed_session_becomes_entries_and_invoices_once(
    platform: Platform, database_url: str, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    group, members = await make_tenant(platform, admin)
    (session_id,) = await plan_and_record(
        platform, admin, group, members, series=1, start="2025-03-04"
    )
    async with httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin) as api:
        ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))
    assert await wait_for(database_url, org, (MEMBERS, MEMBERS, 1, MEMBERS), 60) == (
        MEMBERS,
        MEMBERS,
        1,
        MEMBERS,
    )


async def test_a_burst_survives_consumers_killed_and_restarted(
    platform: Platform, database_url: str, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    group, members = await make_tenant(platform, admin)
    sessions: list[str] = []
    for n, start in enumerate(["2024-01-01", "2024-03-01", "2024-05-01", "2024-07-01"]):
        sessions += await plan_and_record(platform, admin, group, members, series=50, start=start)
        assert len(sessions) == 50 * (n + 1)

    async def close_all() -> None:
        limit = asyncio.Semaphore(16)
        async with httpx.AsyncClient(
            base_url=platform.urls["scheduling"], headers=admin, timeout=60
        ) as api:

            async def close(session_id: str) -> None:
                async with limit:
                    ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))

            await asyncio.gather(*(close(s) for s in sessions))

    burst = asyncio.create_task(close_all())
    await asyncio.sleep(0.5)
    platform.kill("accreditation")
    await asyncio.sleep(0.5)
    platform.kill("invoicing")
    await burst
    await asyncio.to_thread(platform.start, "accreditation")
    await asyncio.to_thread(platform.start, "invoicing")

    expected = (200 * MEMBERS, 200 * MEMBERS, 200, 200 * MEMBERS)
    assert await wait_for(database_url, org, expected, 240) == expected


async def test_cancelling_a_closed_session_undoes_its_hours_and_invoices(
    platform: Platform, database_url: str, token_for: Callable[..., dict[str, str]]
) -> None:
    """Through reversals and credit notes, never deletes of anything issued."""
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    group, members = await make_tenant(platform, admin)
    async with httpx.AsyncClient(base_url=platform.urls["invoicing"], headers=admin) as api:
        profiles = ok(await api.get("/v1/billing-profiles"))["items"]
        profile = {
            k: v
            for k, v in profiles[0].items()
            if k
            in {
                "legal_name",
                "street",
                "postal_code",
                "city",
                "kvk_number",
                "btw_id",
                "iban",
                "invoice_prefix",
            }
        }
        ok(
            await api.put(
                f"/v1/billing-profiles/{profiles[0]['facilitator_id']}",
                json={**profile, "auto_issue": True},
            )
        )
    (session_id,) = await plan_and_record(
        platform, admin, group, members, series=1, start="2025-05-06"
    )
    async with httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin) as api:
        ok(await api.post(f"/v1/sessions/{session_id}/close", json={}))
        assert await wait_for(database_url, org, (MEMBERS, MEMBERS, 1, MEMBERS), 60) == (
            MEMBERS,
            MEMBERS,
            1,
            MEMBERS,
        )
        ok(await api.post(f"/v1/sessions/{session_id}/cancel", json={"reason": "Held in error"}))

    async def undone() -> tuple[int, int, int, int]:
        conn = await asyncpg.connect(database_url)
        try:
            return (
                await conn.fetchval(
                    "SELECT count(*) FROM accreditation.ledger_entries"
                    " WHERE org_id = $1 AND kind = 'reversal'",
                    org,
                ),
                await conn.fetchval(
                    "SELECT coalesce(sum(minutes), 0)"  # reversals carry the minutes negated
                    " FROM accreditation.ledger_entries WHERE org_id = $1",
                    org,
                ),
                await conn.fetchval(
                    "SELECT count(*) FROM invoicing.invoices"
                    " WHERE org_id = $1 AND status = 'credited'",
                    org,
                ),
                await conn.fetchval(
                    "SELECT coalesce(sum(total_cents), 0) FROM invoicing.invoices"
                    " WHERE org_id = $1",
                    org,
                ),
            )
        finally:
            await conn.close()

    deadline = time.monotonic() + 60
    state = await undone()
    while state != (MEMBERS, 0, MEMBERS, 0) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        state = await undone()
    assert state == (MEMBERS, 0, MEMBERS, 0), "reversed hours, credited invoices, zero balances"
