"""Concurrent changes of one session: they queue on its row, each reads what the one before
left, and If-Match lets exactly one writer through per version."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import record_all
from tests.scheduling.sessions.support import facilitator, make_group, plan_one

MOVES = [{"start": f"2025-02-{day:02d}T19:00", "end": f"2025-02-{day:02d}T21:00"} for day in
         range(3, 8)]  # fmt: skip


async def _planned(
    client: httpx.AsyncClient, auth: Token, *, members: int = 1, recorded: bool = False
) -> tuple[dict, dict[str, str]]:
    """A planned session of a new group, and its facilitator's headers."""
    group = await make_group(client, auth, members=members)
    session = await plan_one(client, auth("admin"), group)
    lead = facilitator(auth, group)
    if recorded:
        await record_all(client, lead, session, group)
    return session, lead


async def _history(client: httpx.AsyncClient, headers: dict[str, str], session: dict) -> list:
    url = f"/v1/sessions/{session['id']}/changes"
    return (await client.get(url, headers=headers)).json()["items"]


async def test_five_concurrent_reschedules_give_one_200_per_version_and_a_true_history(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    session, lead = await _planned(scheduling, auth)
    url = f"/v1/sessions/{session['id']}/reschedule"
    answers = await asyncio.gather(
        *(scheduling.post(url, json={**m, "reason": "Zaal"}, headers=lead) for m in MOVES)
    )
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    assert sorted(a.json()["session"]["sequence"] for a in answers) == [1, 2, 3, 4, 5]
    history = await _history(scheduling, lead, session)
    assert [h["sequence"] for h in history] == [1, 2, 3, 4, 5]
    previous = session["starts_at"]
    for change in history:  # each move starts from where the one before it left the session
        assert change["previous_starts_at"] == previous
        previous = change["starts_at"]


async def test_five_concurrent_reschedules_with_one_etag_let_one_through(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    session, lead = await _planned(scheduling, auth)
    read = await scheduling.get(f"/v1/sessions/{session['id']}", headers=lead)
    conditional = {**lead, "If-Match": read.headers["etag"]}
    url = f"/v1/sessions/{session['id']}/reschedule"
    answers = await asyncio.gather(
        *(scheduling.post(url, json={**m, "reason": "Zaal"}, headers=conditional) for m in MOVES)
    )
    assert sorted(a.status_code for a in answers) == [200, 412, 412, 412, 412]
    stale = next(a for a in answers if a.status_code == 412)
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["errors"][0]["field"] == "header.If-Match"
    now = await scheduling.get(f"/v1/sessions/{session['id']}", headers=lead)
    assert stale.headers["etag"] == now.headers["etag"] != read.headers["etag"]
    assert len(await _history(scheduling, lead, session)) == 1


async def test_the_losers_of_a_concurrent_close_get_409_with_the_state(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    session, lead = await _planned(scheduling, auth, members=3, recorded=True)
    url = f"/v1/sessions/{session['id']}/close"
    answers = await asyncio.gather(*(scheduling.post(url, json={}, headers=lead) for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert "closed" in loser.json()["detail"]


async def test_five_concurrent_closes_with_one_key_close_once(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    session, lead = await _planned(scheduling, auth, members=3, recorded=True)
    keyed = {**lead, "Idempotency-Key": secrets.token_hex(8)}
    url = f"/v1/sessions/{session['id']}/close"
    answers = await asyncio.gather(
        *(scheduling.post(url, json={}, headers=keyed) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1


async def test_a_read_carries_an_etag_and_answers_304_when_it_still_matches(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    session, lead = await _planned(scheduling, auth)
    url = f"/v1/sessions/{session['id']}"
    read = await scheduling.get(url, headers=lead)
    tag = read.headers["etag"]
    unchanged = await scheduling.get(url, headers={**lead, "If-None-Match": tag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged.headers["etag"] == tag
    cancelled = await scheduling.post(
        f"{url}/cancel", json={"reason": "Ziek"}, headers={**lead, "If-Match": tag}
    )
    assert cancelled.status_code == 200, cancelled.text
    after = await scheduling.get(url, headers={**lead, "If-None-Match": tag})
    assert after.status_code == 200
    assert cancelled.headers["etag"] == after.headers["etag"] != tag
