"""Every judgement of a closed session stored, served and announced; a pending one judged again
when scheduling's `person.updated` brings the missing date, its entry recorded once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx

from tests.conftest import Token

from .support import closed, deliver, feed, items, member, person_updated

DAY = date(2024, 3, 10)
ANNAS_EMPLOYER, BRAMS_EMPLOYER = uuid.uuid4(), uuid.uuid4()


def skj(number: str = "110012345", **extra: Any) -> dict[str, Any]:
    return {"register": "SKJ", "number": number, **extra}


async def pending_and_refused(
    consumer: httpx.AsyncClient, org: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A session led by an LVSC supervisor (SKJ accepts LVSC, NOvA wants NOvA): Anna is an SKJ
    member without a registration date, Bram a NOvA member whose facilitator NOvA refuses."""
    anna = {**member(skj(), name="Anna de Vries"), "employer_id": str(ANNAS_EMPLOYER)}
    bram = {**member({"register": "NOVA", "number": "A-1234"}, name="Bram Smit")}
    bram["employer_id"] = str(BRAMS_EMPLOYER)
    body = closed(org, anna, bram, recognitions=["LVSC"], day=DAY)
    result = await deliver(consumer, body)
    assert (result["recorded"], result["pending"], result["refused"]) == (0, 1, 1)
    return body, anna, bram


def by_person(outcomes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["person_id"]: o for o in outcomes}


async def test_a_session_shows_what_it_earned_for_whom_and_why_not(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    body, anna, bram = await pending_and_refused(consumer, org)
    session_id = body["data"]["session_id"]

    path = f"/v1/sessions/{session_id}/outcomes"
    facilitator = body["data"]["facilitator"]["person_id"]
    for headers in (auth("facilitator", person=facilitator), auth("admin")):
        outcomes = by_person(await items(consumer, path, headers))
        assert set(outcomes) == {anna["person_id"], bram["person_id"]}
    # An HR client reads its own employees' outcomes, another facilitator none (ADR 0082).
    annas_hr = auth("hr", client_org=str(ANNAS_EMPLOYER))
    assert set(by_person(await items(consumer, path, annas_hr))) == {anna["person_id"]}
    for nobody in (auth("facilitator", person=str(uuid.uuid4())), auth("hr")):
        assert await items(consumer, path, nobody) == []
    assert (await consumer.get(path, headers=auth("service"))).status_code == 403
    waiting, refused = outcomes[anna["person_id"]], outcomes[bram["person_id"]]
    assert (waiting["status"], waiting["register_code"], waiting["entry_id"]) == (
        "pending",
        "SKJ",
        None,
    )
    assert [r["rule"] for r in waiting["reasons"]] == ["registered_on"]
    assert (waiting["person_name"], waiting["registration_number"]) == (
        "Anna de Vries",
        "110012345",
    )
    assert (refused["status"], refused["register_code"]) == ("refused", "NOVA")
    assert [r["rule"] for r in refused["reasons"]] == ["facilitator_recognition"]
    assert refused["reasons"][0]["message"]
    assert waiting["rule_version"] == refused["rule_version"] == 2  # SKJ's and NOvA's corrected

    forbidden = await consumer.get(
        f"/v1/sessions/{session_id}/outcomes", headers=auth("participant")
    )
    assert forbidden.status_code == 403


async def test_a_person_reads_their_own_outcomes(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    _, anna, bram = await pending_and_refused(consumer, org)
    own = auth("participant", person=anna["person_id"])

    [mine] = await items(consumer, f"/v1/people/{anna['person_id']}/outcomes", own)
    assert (mine["status"], [r["rule"] for r in mine["reasons"]]) == ("pending", ["registered_on"])
    path = f"/v1/people/{bram['person_id']}/outcomes"
    brams_hr = auth("hr", client_org=str(BRAMS_EMPLOYER))
    [theirs] = await items(consumer, path, brams_hr, register="NOvA")
    assert (theirs["status"], theirs["reasons"][0]["rule"]) == (
        "refused",
        "facilitator_recognition",
    )
    assert await items(consumer, path, brams_hr, register="SKJ") == []
    # Another employer's HR client, or one without its claim: as a person never judged.
    for outsider in (auth("hr", client_org=str(ANNAS_EMPLOYER)), auth("hr")):
        assert (await consumer.get(path, headers=outsider)).status_code == 404

    other = await consumer.get(path, headers=own)
    assert other.status_code == 404
    unknown = await consumer.get(path, params={"register": "XYZ"}, headers=auth("admin"))
    assert unknown.status_code == 404
    bad = await consumer.get(path, params={"register": "not a code!"}, headers=auth("admin"))
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_a_refusal_and_a_wait_are_announced_once(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    body, anna, bram = await pending_and_refused(consumer, org)

    events = await feed(consumer, auth, expect=2)

    assert sorted(e["type"] for e in events) == ["ledger.outcome_pending", "ledger.outcome_refused"]
    data = {e["data"]["person_id"]: e["data"] for e in events}
    assert data[anna["person_id"]] == {
        "session_id": body["data"]["session_id"],
        "person_id": anna["person_id"],
        "employer_id": str(ANNAS_EMPLOYER),
        "register": "SKJ",
        "status": "pending",
        "reasons": [
            {
                "rule": "registered_on",
                "message": "SKJ's cycles run from the registration date: `registered_on` is needed",
            }
        ],
        "rule_version": 2,
    }
    assert data[bram["person_id"]]["status"] == "refused"
    assert [r["rule"] for r in data[bram["person_id"]]["reasons"]] == ["facilitator_recognition"]
    assert {e["aggregate_id"] for e in events} == {body["data"]["session_id"]}


async def test_the_date_from_hr_records_the_pending_entry_once(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    body, anna, bram = await pending_and_refused(consumer, org)
    update = person_updated(org, anna, skj(registered_on="2021-06-01"))

    applied = await deliver(consumer, update)
    again = await deliver(consumer, update)
    same_data = await deliver(consumer, person_updated(org, anna, skj(registered_on="2021-06-01")))

    assert (applied["status"], applied["recorded"], applied["pending"]) == ("applied", 1, 0)
    assert (again["status"], again["recorded"]) == ("duplicate", 0)
    assert (same_data["status"], same_data["recorded"]) == ("applied", 0)
    person = anna["person_id"]
    [entry] = await items(consumer, f"/v1/people/{person}/registers/SKJ/entries", auth("admin"))
    assert (entry["minutes"], entry["registration_number"]) == (150, "110012345")
    assert (entry["cycle_start"], entry["cycle_end"]) == ("2021-06-01", "2026-05-31")
    session_path = f"/v1/sessions/{body['data']['session_id']}/outcomes"
    outcomes = by_person(await items(consumer, session_path, auth("admin")))
    recorded = outcomes[person]
    assert (recorded["status"], recorded["entry_id"], recorded["reasons"]) == (
        "recorded",
        entry["id"],
        [],
    )
    assert (recorded["minutes"], recorded["points_centi"]) == (150, 250)
    assert outcomes[bram["person_id"]]["status"] == "refused"
    announced = [e["type"] for e in await feed(consumer, auth, expect=3)]
    # a recorded outcome announces nothing beyond its entry
    assert sorted(announced) == [
        "ledger.entry_recorded",
        "ledger.outcome_pending",
        "ledger.outcome_refused",
    ]
    verification = await consumer.get("/v1/ledger/verification", headers=auth("admin"))
    assert verification.json()["valid"] is True


async def test_a_date_after_the_session_refuses_with_the_real_reason(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    _, anna, _ = await pending_and_refused(consumer, org)

    result = await deliver(consumer, person_updated(org, anna, skj(registered_on="2024-06-01")))

    assert (result["recorded"], result["refused"], result["pending"]) == (0, 1, 0)
    [outcome] = await items(consumer, f"/v1/people/{anna['person_id']}/outcomes", auth("admin"))
    assert outcome["status"] == "refused"
    assert [r["rule"] for r in outcome["reasons"]] == ["registered_on_after_session"]
    events = await feed(consumer, auth, expect=3)
    assert [e["type"] for e in events].count("ledger.outcome_refused") == 2


async def test_an_update_without_the_date_changes_nothing(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    _, anna, _ = await pending_and_refused(consumer, org)

    result = await deliver(consumer, person_updated(org, anna, skj()))
    other = await deliver(consumer, person_updated(org, member(), skj(registered_on="2021-06-01")))

    assert (result["status"], result["recorded"], result["pending"]) == ("applied", 0, 0)
    assert (other["status"], other["recorded"]) == ("applied", 0)
    [outcome] = await items(consumer, f"/v1/people/{anna['person_id']}/outcomes", auth("admin"))
    assert outcome["status"] == "pending"


async def test_the_registrar_reads_the_outcomes_of_consenting_registrants(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    _, anna, bram = await pending_and_refused(consumer, org)
    registrar = auth("registrar", register="SKJ")
    assert await items(consumer, "/v1/registrar/outcomes", registrar) == []

    granted = await consumer.put(
        "/v1/consents/SKJ", headers=auth("participant", person=anna["person_id"])
    )
    assert granted.status_code == 201, granted.text

    [seen] = await items(consumer, "/v1/registrar/outcomes", registrar)
    assert (seen["person_id"], seen["status"]) == (anna["person_id"], "pending")
    nova = auth("registrar", register="NOvA")
    assert await items(consumer, "/v1/registrar/outcomes", nova) == []
    bram_consents = await consumer.put(
        "/v1/consents/NOVA", headers=auth("participant", person=bram["person_id"])
    )
    assert bram_consents.status_code == 201, bram_consents.text
    [refused] = await items(consumer, "/v1/registrar/outcomes", nova)
    assert (refused["person_id"], refused["status"]) == (bram["person_id"], "refused")
    assert len(await items(consumer, "/v1/registrar/outcomes", registrar)) == 1
    nameless = await consumer.get("/v1/registrar/outcomes", headers=auth("registrar"))
    assert nameless.status_code == 403


async def test_recording_again_stores_and_announces_nothing_new(
    consumer: httpx.AsyncClient, org: uuid.UUID, auth: Token
) -> None:
    people = [member(skj(f"11001234{i}"), name=f"Lid {i}") for i in range(3)]
    body = closed(org, *people, recognitions=["LVSC"], day=DAY)
    again = {**body, "id": str(uuid.uuid4())}  # the same session, as another event

    assert (await deliver(consumer, body))["pending"] == 3
    assert (await deliver(consumer, again))["pending"] == 3

    path = f"/v1/sessions/{body['data']['session_id']}/outcomes"
    first = await consumer.get(path, params={"limit": 2}, headers=auth("admin"))
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    rest = await items(consumer, path, auth("admin"), limit=2, cursor=cursor)
    listed = first.json()["items"] + rest
    assert sorted(o["person_id"] for o in listed) == sorted(p["person_id"] for p in people)
    assert len(await feed(consumer, auth, expect=3)) == 3
