"""Corrections follow, across the three processes: a closed session's attendance amended
(leaving at 15:00 instead of 16:00) reaches accreditation as `attendance.amended`, which
reverses the credit and records the corrected one: 90 minutes net in the person's ledger, the
totals and the registrar's view, the chain valid."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.flow.platform import Platform
from tests.flow.support import closed_session, eventually, member, ok, supervised_group

SKJ = {"register": "SKJ", "number": "110054321", "registered_on": "2022-01-10"}


async def afternoon_session(api: httpx.AsyncClient) -> tuple[str, str]:
    """Dirk (SKJ, dated) in a group led by an LVSC supervisor; one session from 13:30 to 16:00,
    Dirk present all along, closed."""
    group_id = await supervised_group(api, "Jeugdzorg middag")
    dirk = await member(api, group_id, "dirk", registrations=[SKJ])
    session_id = await closed_session(
        api, group_id, [dirk], start="2025-03-11T13:30", end="2025-03-11T16:00"
    )
    return session_id, dirk


async def test_an_amendment_after_close_nets_to_the_corrected_minutes(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    scheduling = httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin, timeout=30)
    ledger = httpx.AsyncClient(base_url=platform.urls["accreditation"], headers=admin, timeout=30)
    async with scheduling, ledger:
        session_id, dirk = await afternoon_session(scheduling)
        path = f"/v1/people/{dirk}/registers/SKJ/entries"

        async def entries(count: int) -> list[dict[str, Any]]:
            found = [
                e for e in ok(await ledger.get(path))["items"] if e["session_id"] == session_id
            ]
            return found if len(found) >= count else []

        assert [e["minutes"] for e in await eventually(lambda: entries(1))] == [150]
        ok(await ledger.put("/v1/consents/SKJ", headers=token_for(org, "participant", person=dirk)))

        ok(
            await scheduling.post(
                f"/v1/sessions/{session_id}/attendance/{dirk}/amendments",
                json={
                    "status": "present",
                    "departed_at": "2025-03-11T15:00",
                    "reason": "Eerder weg",
                },
            )
        )

        history = await eventually(lambda: entries(3))
        assert [(e["kind"], e["minutes"]) for e in history] == [
            ("credit", 150),
            ("reversal", -150),
            ("credit", 90),
        ]
        (cycle,) = ok(await ledger.get(f"/v1/people/{dirk}/registers/SKJ/totals"))["cycles"]
        assert (cycle["entries"], cycle["minutes"]) == (1, 90)
        registrar = token_for(org, "registrar", register="SKJ")
        seen = ok(await ledger.get("/v1/registrar/entries", headers=registrar))["items"]
        assert sum(e["minutes"] for e in seen if e["session_id"] == session_id) == 90
        [outcome] = ok(await ledger.get(f"/v1/sessions/{session_id}/outcomes"))["items"]
        assert (outcome["status"], outcome["minutes"]) == ("recorded", 90)
        assert ok(await ledger.get("/v1/ledger/verification"))["valid"] is True
