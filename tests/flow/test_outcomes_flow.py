"""Every hour accounted for, across the three processes: a closed session's refused and
pending outcomes are readable and announced, and a pending one is recorded, once, when the HR
system sends the missing registration date."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.flow.platform import Platform
from tests.flow.support import closed_session, eventually, member, ok, supervised_group

SKJ_UNDATED = {"register": "SKJ", "number": "110012345"}
SKJ_DATED = {**SKJ_UNDATED, "registered_on": "2022-01-10"}


async def judged_session(api: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A youth-care group led by an LVSC supervisor: Anna (SKJ, her registration date not sent
    yet), Bram (SKJ, dated) and Cas (a lawyer, NOvA, whose rules want a NOvA gespreksleider);
    one session, everyone present, closed."""
    group_id = await supervised_group(api, "Jeugdzorg")
    people = {
        "anna": await member(api, group_id, "anna", registrations=[SKJ_UNDATED]),
        "bram": await member(api, group_id, "bram", registrations=[SKJ_DATED]),
        "cas": await member(
            api, group_id, "cas", registrations=[{"register": "NOVA", "number": "A00001"}]
        ),
    }
    session_id = await closed_session(
        api, group_id, list(people.values()), start="2025-03-04T19:00", end="2025-03-04T21:30"
    )
    return session_id, people


async def test_refused_and_pending_are_readable_announced_and_pending_is_recorded_once(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    scheduling = httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin, timeout=30)
    ledger = httpx.AsyncClient(base_url=platform.urls["accreditation"], headers=admin, timeout=30)
    async with scheduling, ledger:
        session_id, people = await judged_session(scheduling)

        async def outcomes() -> dict[tuple[str, str], dict[str, Any]]:
            page = ok(await ledger.get(f"/v1/sessions/{session_id}/outcomes"))
            found = {(o["person_id"], o["register_code"]): o for o in page["items"]}
            return found if len(found) == 3 else {}

        judged = await eventually(outcomes)
        anna, bram, cas = (
            judged[(people[p], r)] for p, r in (("anna", "SKJ"), ("bram", "SKJ"), ("cas", "NOVA"))
        )
        assert anna["status"] == "pending", anna
        assert [r["rule"] for r in anna["reasons"]] == ["registered_on"]
        assert bram["status"] == "recorded" and bram["entry_id"], bram
        assert cas["status"] == "refused", cas
        assert "facilitator_recognition" in {r["rule"] for r in cas["reasons"]}, cas

        async def outcome_events() -> set[tuple[str, str]]:
            # The feed holds events back while an older transaction anywhere is in flight: read
            # it until the outcomes' events show, not once.
            return {
                (e["type"], e["data"]["person_id"])
                for e in ok(await ledger.get("/v1/events", params={"limit": 200}))["items"]
                if e["type"].startswith("ledger.outcome_")
            }

        announced = await eventually(outcome_events)
        assert announced == {
            ("ledger.outcome_pending", people["anna"]),
            ("ledger.outcome_refused", people["cas"]),
        }

        # The HR system sends Anna's registration date: scheduling announces person.updated,
        # accreditation judges her pending outcome again and records the entry.
        ok(
            await scheduling.put(
                "/v1/people/by-external-id/anna",
                json={
                    "given_name": "Anna",
                    "family_name": "Jeugdwerker",
                    "registrations": [SKJ_DATED],
                },
            )
        )

        async def recorded() -> list[dict[str, Any]]:
            entries = ok(await ledger.get(f"/v1/people/{people['anna']}/registers/SKJ/entries"))[
                "items"
            ]
            return [e for e in entries if e["session_id"] == session_id]

        assert len(await eventually(recorded)) == 1
        again = (await outcomes())[(people["anna"], "SKJ")]
        assert again["status"] == "recorded" and again["entry_id"], again
        # Sent again (an HR re-sync that changes nothing) it stays one entry.
        ok(
            await scheduling.put(
                "/v1/people/by-external-id/anna",
                json={
                    "given_name": "Anna",
                    "family_name": "Jeugdwerker",
                    "registrations": [SKJ_DATED],
                },
            )
        )
        await asyncio.sleep(1.0)
        assert len(await recorded()) == 1
        assert ok(await ledger.get("/v1/ledger/verification"))["valid"] is True
