"""The demo of `kring run`, across the three processes: its group's session, closed as the
demo leaves it, earns every demo professional their SKJ hours."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from services import demo
from tests.flow.platform import Platform

# The demo's session runs from 19:00 to 21:30.
SESSION_MINUTES = 150


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    return response.json() if response.content else {}


def eventually(check: Callable[[], Any], *, seconds: float = 60) -> Any:
    """``check()`` once it is truthy (the relay delivers in the background)."""
    deadline = time.monotonic() + seconds
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.3)
        value = check()
    return value


def test_closing_the_demo_session_as_is_earns_every_professional_their_skj_hours(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(uuid.uuid4(), "admin", ttl=3600)
    token = admin["Authorization"].removeprefix("Bearer ")
    urls = platform.urls
    group_id = demo.seed(urls["scheduling"], urls["invoicing"], token)
    # A second `kring run` finds the same demo: the same group, one session.
    assert demo.seed(urls["scheduling"], urls["invoicing"], token) == group_id
    scheduling = httpx.Client(base_url=urls["scheduling"], headers=admin, timeout=30)
    ledger = httpx.Client(base_url=urls["accreditation"], headers=admin, timeout=30)
    with scheduling, ledger:
        group = ok(scheduling.get(f"/v1/groups/{group_id}"))
        people = {m["person_id"] for m in group["members"]}
        assert len(people) == len(demo.PROFESSIONALS)
        sessions = ok(scheduling.get("/v1/sessions", params={"group_id": group_id}))["items"]
        assert [s["status"] for s in sessions] == ["planned"]
        session_id = sessions[0]["id"]

        ok(scheduling.post(f"/v1/sessions/{session_id}/close", json={}))

        def outcomes() -> list[dict[str, Any]]:
            items = ok(ledger.get(f"/v1/sessions/{session_id}/outcomes"))["items"]
            return items if len(items) == len(people) else []

        judged = eventually(outcomes)
        assert {o["person_id"] for o in judged} == people
        for outcome in judged:
            assert outcome["register_code"] == "SKJ", outcome
            assert outcome["status"] == "recorded" and outcome["entry_id"], outcome
            assert outcome["reasons"] == [], outcome
            assert outcome["minutes"] == SESSION_MINUTES, outcome
        for person_id in people:
            entries = ok(ledger.get(f"/v1/people/{person_id}/registers/SKJ/entries"))["items"]
            assert [(e["session_id"], e["kind"], e["minutes"]) for e in entries] == [
                (session_id, "credit", SESSION_MINUTES)
            ], entries
        assert ok(ledger.get("/v1/ledger/verification"))["valid"] is True
