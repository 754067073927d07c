"""A subscription's delivery log and its replays, through a producer's API (scheduling's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import Token
from tests.kit.support import subscribe
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.support import rules_of

PATH = "/v1/webhook-subscriptions"


async def _log(client: httpx.AsyncClient, headers: dict[str, str], sub: str, **query: str) -> dict:
    listed = await client.get(f"{PATH}/{sub}/deliveries", params=query, headers=headers)
    assert listed.status_code == 200, listed.text
    page: dict = listed.json()
    return page


async def test_the_delivery_log_pages_and_replays(scheduling: httpx.AsyncClient, auth: Token):
    sub = (await subscribe(scheduling, auth("admin")))["id"]
    try:
        _, first = await closed_session(scheduling, auth)
        _, second = await closed_session(scheduling, auth)
        newest = await _log(scheduling, auth(), sub, limit="1")
        (latest,) = newest["items"]
        assert latest["event_type"] == "session.closed"
        assert latest["aggregate_id"] == second["id"]
        assert latest["status"] in ("pending", "failed")
        assert isinstance(latest["attempt_log"], list)
        older = await _log(scheduling, auth(), sub, limit="1", cursor=newest["next_cursor"])
        assert [d["aggregate_id"] for d in older["items"]] == [first["id"]]
        assert older["next_cursor"] is None
        assert (await _log(scheduling, auth(), sub, status="delivered"))["items"] == []
        bad = await scheduling.get(f"{PATH}/{sub}/deliveries?cursor=x", headers=auth())
        assert bad.status_code == 400

        replay = f"{PATH}/{sub}/deliveries/{latest['id']}/replay"
        replayed = await scheduling.post(replay, headers=auth())
        assert replayed.status_code == 200, replayed.text
        assert (replayed.json()["id"], replayed.json()["status"]) == (latest["id"], "pending")
        assert replayed.json()["attempts"] == 0
        missing = f"{PATH}/{sub}/deliveries/{uuid.uuid4()}/replay"
        assert (await scheduling.post(missing, headers=auth())).status_code == 404

        now = datetime.now(UTC)
        window = {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}
        ranged = await scheduling.post(f"{PATH}/{sub}/replay", json=window, headers=auth())
        assert ranged.status_code == 200, ranged.text
        assert ranged.json() == {"queued": 2}
        too_long = {**window, "since": (now - timedelta(days=32)).isoformat()}
        refused = await scheduling.post(f"{PATH}/{sub}/replay", json=too_long, headers=auth())
        assert rules_of(refused) == ["replay_window"]

        hr = auth("hr", client_org=str(uuid.uuid4()))
        assert (await scheduling.get(f"{PATH}/{sub}/deliveries", headers=hr)).status_code == 404
        assert (await scheduling.post(replay, headers=hr)).status_code == 404
    finally:
        await scheduling.delete(f"{PATH}/{sub}", headers=auth("admin"))


async def test_resumed_with_its_backlog_it_gets_what_it_missed(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    sub = (await subscribe(scheduling, auth("admin")))["id"]
    try:
        assert (await scheduling.post(f"{PATH}/{sub}/pause", headers=auth())).status_code == 200
        _, session = await closed_session(scheduling, auth)
        assert (await _log(scheduling, auth(), sub))["items"] == []
        resumed = await scheduling.post(
            f"{PATH}/{sub}/resume", json={"backlog": True}, headers=auth()
        )
        assert resumed.status_code == 200, resumed.text
        missed = (await _log(scheduling, auth(), sub))["items"]
        assert [d["aggregate_id"] for d in missed] == [session["id"]]
    finally:
        await scheduling.delete(f"{PATH}/{sub}", headers=auth("admin"))
