"""A tenant's override of a catalogue register's uncertain figures: its own, over HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx

from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

REASON = "Our NOvA deken confirmed in writing that up to 6 points count this year."


async def catalogue_nova(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """The catalogue's NOvA rules in force now (its latest version)."""
    versions = (await client.get("/v1/registers/NOVA/rule-sets", headers=headers)).json()
    rules: dict[str, Any] = versions["items"][-1]["rules"]
    return rules


async def nova_points(client: httpx.AsyncClient, auth: Token) -> tuple[list[int], int]:
    """Two 4-hour NOvA sessions in 2024 for one person: their entries' versions, and the
    points the year's totals count after caps."""
    person = uuid.uuid4()
    versions = []
    for day in (date(2024, 3, 10), date(2024, 5, 10)):
        body = session(
            attendee(registration("NOVA", "A12345"), person_id=person), day=day, minutes=240
        )
        judged = (await record(client, auth, body))["judgements"][0]
        assert judged["outcome"] == "recorded", judged
        versions.append(judged["entry"]["rule_version"])
    totals = await client.get(f"/v1/people/{person}/registers/NOVA/totals", headers=auth())
    assert totals.status_code == 200, totals.text
    (cycle,) = totals.json()["cycles"]
    assert cycle["points_centi_raw"] == 800
    return versions, cycle["points_centi"]


async def test_an_override_counts_for_its_tenant_and_the_catalogue_for_another(
    accreditation: httpx.AsyncClient, auth: Token, token_for: Any
) -> None:
    rules = {**await catalogue_nova(accreditation, auth()), "cap_per_year_centi": 600}
    override = await accreditation.post(
        "/v1/registers/NOvA/rule-sets",
        json={"valid_from": "2024-01-01", "rules": rules, "reason": REASON},
        headers=auth("admin"),
    )
    assert override.status_code == 201, override.text
    assert override.json()["overrides"] is True
    assert override.json()["reason"] == REASON
    assert override.json()["version"] == 3

    assert await nova_points(accreditation, auth) == ([3, 3], 600)
    stranger = uuid.uuid4()

    def theirs(*roles: str, **claims: Any) -> dict[str, str]:
        return dict(token_for(stranger, *roles, **claims))

    assert await nova_points(accreditation, theirs) == ([2, 2], 400)


async def test_the_tenant_reads_its_override_with_its_reason(
    accreditation: httpx.AsyncClient, auth: Token, token_for: Any
) -> None:
    rules = {**await catalogue_nova(accreditation, auth()), "online_counts": False}
    body = {"valid_from": "2025-01-01", "rules": rules, "reason": REASON}
    added = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())
    assert added.status_code == 201, added.text

    mine = await accreditation.get("/v1/registers/NOVA/rule-sets", headers=auth("registrar"))
    theirs = await accreditation.get(
        "/v1/registers/NOVA/rule-sets", headers=token_for(uuid.uuid4(), "admin")
    )
    assert [(v["version"], v["overrides"], v["reason"]) for v in mine.json()["items"]] == [
        (1, False, None),
        (2, False, None),
        (3, True, REASON),
    ]
    assert mine.json()["items"][2]["rules"]["online_counts"] is False
    assert [v["version"] for v in theirs.json()["items"]] == [1, 2]


async def test_an_online_attendee_is_refused_under_the_override_alone(
    accreditation: httpx.AsyncClient, auth: Token, token_for: Any
) -> None:
    rules = {**await catalogue_nova(accreditation, auth()), "online_counts": False}
    body = {"valid_from": "2024-01-01", "rules": rules, "reason": REASON}
    added = await accreditation.post("/v1/registers/NOVA/rule-sets", json=body, headers=auth())
    assert added.status_code == 201, added.text
    online = session(attendee(registration("NOVA", "A12345")), mode="online", minutes=180)
    stranger = uuid.uuid4()

    def theirs(*roles: str, **claims: Any) -> dict[str, str]:
        return dict(token_for(stranger, *roles, **claims))

    mine = (await record(accreditation, auth, online))["judgements"][0]
    other = (await record(accreditation, theirs, online))["judgements"][0]
    assert (mine["outcome"], [r["rule"] for r in mine["reasons"]]) == ("refused", ["online"])
    assert mine["rule_version"] == 3
    assert (other["outcome"], other["entry"]["rule_version"]) == ("recorded", 2)
