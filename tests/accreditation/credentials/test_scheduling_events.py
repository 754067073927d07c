"""Scheduling's events reach the credentials in the transaction that applies them: a closed
session cancelled revokes what it certified; an amended attendance revokes the period
statement and states the corrected credit, with a proof of attendance of its own; a
participant's confirmation is a signature the proof of attendance states."""

from __future__ import annotations

import copy
import uuid
from datetime import date

import httpx

from tests.accreditation.credentials.support import REGISTERED_ON, cycle, issue, participant
from tests.accreditation.outcomes.support import closed, deliver, event, member
from tests.conftest import Token


async def test_a_cancelled_closed_session_revokes_its_credentials(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk = member({"register": "SKJ", "number": "110001234", "registered_on": REGISTERED_ON})
    held = closed(org, anouk, recognitions=["LVSC"], day=date(2026, 3, 26))
    assert (await deliver(consumer, held))["recorded"] == 1
    mine = participant(auth, uuid.UUID(anouk["person_id"]))
    session_id = held["data"]["session_id"]
    issued = (await issue(consumer, mine, session_id)).json()
    period = [i for i in (await cycle(consumer, mine))["items"] if i["kind"] == "period"]

    data = {"session_id": session_id, "reason": "held in error", "previous_status": "closed"}
    cancelled = await deliver(consumer, event(org, "session.cancelled", session_id, data))

    assert cancelled["reversed"] == 1
    verdict = await consumer.post(
        "/v1/credential-verifications", json={"credential": issued["jws"]}
    )
    assert verdict.json()["status"] == "revoked"
    read = await consumer.get(f"/v1/credentials/{period[0]['credential_id']}", headers=mine)
    assert read.json()["revoked_reason"] == "credit reversed: session cancelled: held in error"
    standing = await consumer.get("/v1/credentials", params={"kind": "period"}, headers=mine)
    assert [c for c in standing.json()["items"] if c["revoked_at"] is None] == []


async def test_an_amended_attendance_restates_the_cycle_with_the_corrected_credit(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk = member({"register": "SKJ", "number": "110001234", "registered_on": REGISTERED_ON})
    held = closed(org, anouk, recognitions=["LVSC"], day=date(2026, 3, 26))
    await deliver(consumer, held)
    mine = participant(auth, uuid.UUID(anouk["person_id"]))
    before = {i["kind"]: i for i in (await cycle(consumer, mine))["items"]}

    data = copy.deepcopy(held["data"])
    data["attendees"][0]["departed_at"] = "2026-03-26T14:30:00+00:00"  # left an hour early
    data.update(person_id=anouk["person_id"], reason="Eerder vertrokken")
    amended = await deliver(consumer, event(org, "attendance.amended", data["session_id"], data))

    assert amended["reversed"] == 1
    listed = (await consumer.get("/v1/credentials", headers=mine)).json()["items"]
    revoked = {c["id"] for c in listed if c["revoked_at"] is not None}
    assert revoked == {before["session"]["credential_id"], before["period"]["credential_id"]}
    standing = {c["kind"]: c for c in listed if c["revoked_at"] is None}
    assert standing["period"]["replaces_id"] == before["period"]["credential_id"]
    assert standing["period"]["entry_ids"] == standing["session"]["entry_ids"]
    assert standing["session"]["credential"]["credentialSubject"]["intervisie"]["minutes"] == 90


async def test_the_proof_of_attendance_states_the_participants_confirmation(
    consumer: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk = member({"register": "SKJ", "number": "110001234", "registered_on": REGISTERED_ON})
    held = closed(org, anouk, recognitions=["LVSC"], day=date(2026, 3, 26))
    await deliver(consumer, held)
    session_id = held["data"]["session_id"]
    data = {
        "session_id": session_id,
        "person_id": anouk["person_id"],
        "employer_id": None,
        "confirmed_at": "2026-03-26T16:05:00+00:00",
    }
    confirmation = event(org, "attendance.confirmed", session_id, data)
    assert (await deliver(consumer, confirmation))["status"] == "applied"

    mine = participant(auth, uuid.UUID(anouk["person_id"]))
    issued = (await issue(consumer, mine, session_id)).json()

    signatures = issued["credential"]["credentialSubject"]["intervisie"]["signatures"]
    assert signatures[0] == {
        "role": "participant",
        "by": "Anna de Vries",
        "at": "2026-03-26T16:05:00Z",
    }
    assert signatures[1]["role"] == "ledger"
    page = await consumer.get(issued["url"])
    assert "Aanwezigheid bevestigd" in page.text and "26-03-2026 17:05" in page.text
