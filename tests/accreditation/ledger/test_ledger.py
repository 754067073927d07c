"""Recording closed sessions, reversals, totals and the views on the ledger, over HTTP."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import date
from typing import Any

import httpx
import pytest

from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

SINCE = "2023-06-15"


def nip(person_id: uuid.UUID, number: str = "00123456", **options: Any) -> dict[str, Any]:
    return attendee(
        registration("NIP", number, registered_on=SINCE), person_id=person_id, **options
    )


async def test_a_closed_session_is_judged_per_attendee_and_register(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    anna, bram = uuid.uuid4(), uuid.uuid4()
    body = session(
        attendee(
            registration("NIP", "00123456", registered_on=SINCE),
            registration("NOvA", "A-1234"),
            person_id=anna,
        ),
        attendee(registration("SKJ", "110012345", registered_on=SINCE), person_id=bram),
        mode="online",
    )

    result = await record(accreditation, auth, body)

    outcomes = {(j["person_id"], j["register_code"]): j for j in result["judgements"]}
    assert outcomes[(str(anna), "NIP")]["outcome"] == "recorded"
    assert outcomes[(str(anna), "NOVA")]["outcome"] == "recorded"
    skj = outcomes[(str(bram), "SKJ")]
    assert skj["outcome"] == "refused"
    assert [r["rule"] for r in skj["reasons"]] == ["online"]
    entry = outcomes[(str(anna), "NIP")]["entry"]
    assert (entry["minutes"], entry["points_centi"], entry["rule_version"]) == (150, 250, 1)
    assert (entry["cycle_start"], entry["cycle_end"]) == ("2023-06-15", "2028-06-14")
    assert entry["registration_number"] == "00123456"
    assert entry["person_name"] == "Anna de Vries"
    assert result["checkpoint"]["seq"] == 2


async def test_recording_is_idempotent_per_session_person_and_register(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = session(nip(uuid.uuid4()))
    first = await record(accreditation, auth, body)
    again = await record(accreditation, auth, body, role="admin")

    assert first["judgements"][0]["outcome"] == "recorded"
    assert again["judgements"][0]["outcome"] == "already_recorded"
    assert again["judgements"][0]["entry"] == first["judgements"][0]["entry"]
    assert again["checkpoint"] is None


async def test_an_inconsistent_snapshot_is_a_422_naming_fields(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = session(nip(uuid.uuid4()))
    body["ended_at"] = body["started_at"]
    response = await accreditation.post("/v1/ledger/sessions", json=body, headers=auth("service"))

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "body.ended_at",
        "rule": "after_start",
        "message": "the session must end after it starts",
    }


@pytest.mark.parametrize("role", ["participant", "facilitator", "hr", "registrar"])
async def test_only_services_and_admins_record(
    accreditation: httpx.AsyncClient, auth: Token, role: str
) -> None:
    response = await accreditation.post(
        "/v1/ledger/sessions", json=session(nip(uuid.uuid4())), headers=auth(role)
    )
    assert response.status_code == 403


async def test_a_snapshot_never_takes_more_than_it_declares(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = session(nip(uuid.uuid4()))
    body["attendees"][0]["bsn"] = "123456782"
    response = await accreditation.post("/v1/ledger/sessions", json=body, headers=auth("service"))

    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "unknown_field"


async def test_a_reversal_corrects_and_allows_recording_again(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    body = session(nip(person))
    entry = (await record(accreditation, auth, body))["judgements"][0]["entry"]

    response = await accreditation.post(
        f"/v1/ledger/entries/{entry['id']}/reversal",
        json={"reason": "recorded for the wrong person"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.text
    reversal = response.json()
    assert reversal["kind"] == "reversal"
    assert reversal["reverses_id"] == entry["id"]
    assert (reversal["minutes"], reversal["points_centi"]) == (-150, -250)
    assert reversal["prev_hash"] == entry["hash"]

    twice = await accreditation.post(
        f"/v1/ledger/entries/{entry['id']}/reversal",
        json={"reason": "again"},
        headers=auth("admin"),
    )
    assert twice.status_code == 409

    again = await record(accreditation, auth, body)
    assert again["judgements"][0]["outcome"] == "recorded"
    assert again["judgements"][0]["entry"]["revision"] == 2

    totals = (
        await accreditation.get(f"/v1/people/{person}/registers/NIP/totals", headers=auth())
    ).json()
    # Credited, reversed, credited again: one session counts, once.
    assert totals["cycles"][0]["minutes"] == 150
    assert totals["cycles"][0]["entries"] == 1


async def test_nova_totals_cap_intervisie_at_4_points_a_year(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    for day in (date(2024, 2, 3), date(2024, 5, 5), date(2024, 9, 8), date(2025, 1, 12)):
        body = session(attendee(registration("NOVA", "A-1"), person_id=person), day=day)
        await record(accreditation, auth, body)

    response = await accreditation.get(
        f"/v1/people/{person}/registers/NOvA/totals", headers=auth("admin")
    )
    assert response.status_code == 200, response.text
    totals = response.json()
    assert totals["unit"] == "points"
    y2024, y2025 = totals["cycles"]
    assert (y2024["cycle_start"], y2024["cycle_end"]) == ("2024-01-01", "2024-12-31")
    assert (y2024["points_centi_raw"], y2024["points_centi"]) == (750, 400)
    assert y2024["caps"] == [
        {
            "rule": "cap_per_year",
            "year": 2024,
            "before_centi": 750,
            "after_centi": 400,
            "message": "at most 4 points count in 2024",
        }
    ]
    assert (y2024["minutes"], y2024["required_minutes"], y2024["minutes_missing"]) == (450, 480, 30)
    assert y2024["complete"] is False
    assert (y2025["points_centi"], y2025["caps"]) == (250, [])


async def test_mfn_totals_cap_the_category_at_34_points_a_period(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    for month in range(1, 13):  # 12 sessions of 3.5 h in 2022: 42 points
        peers = [attendee(registration("MFN", f"M{i}")) for i in range(4)]
        body = session(
            attendee(registration("MFN", "M-77"), person_id=person),
            *peers,
            day=date(2022, month, 14),
            minutes=210,
        )
        await record(accreditation, auth, body)

    totals = (
        await accreditation.get(f"/v1/people/{person}/registers/MFN/totals", headers=auth())
    ).json()
    [period] = totals["cycles"]
    assert (period["cycle_start"], period["cycle_end"]) == ("2022-01-01", "2024-12-31")
    assert (period["points_centi_raw"], period["points_centi"]) == (4200, 3400)
    assert [c["rule"] for c in period["caps"]] == ["cap_per_cycle"]
    assert (period["required_points_centi"], period["points_centi_missing"]) == (1800, 0)
    assert period["complete"] is True


async def test_person_entries_page_by_cursor(accreditation: httpx.AsyncClient, auth: Token) -> None:
    person = uuid.uuid4()
    for day in (3, 4, 5):
        await record(accreditation, auth, session(nip(person), day=date(2024, 3, day)))

    first = await accreditation.get(
        f"/v1/people/{person}/registers/NIP/entries?limit=2", headers=auth()
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2
    rest = await accreditation.get(
        f"/v1/people/{person}/registers/NIP/entries",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=auth(),
    )
    assert [e["session_date"] for e in page["items"] + rest.json()["items"]] == [
        "2024-03-03",
        "2024-03-04",
        "2024-03-05",
    ]
    assert rest.json()["next_cursor"] is None


async def test_a_participant_reads_only_their_own_ledger(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    await record(accreditation, auth, session(nip(person)))
    own = await accreditation.get(
        f"/v1/people/{person}/registers/NIP/entries", headers=auth("participant", person=person)
    )
    other = await accreditation.get(
        f"/v1/people/{person}/registers/NIP/entries",
        headers=auth("participant", person=uuid.uuid4()),
    )
    assert own.status_code == 200
    assert len(own.json()["items"]) == 1
    assert other.status_code == 404


async def test_a_registrar_sees_only_consenting_registrants_of_its_register(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    consenting, silent = uuid.uuid4(), uuid.uuid4()
    body = session(nip(consenting, "00000001"), nip(silent, "00000002"))
    await record(accreditation, auth, body)
    granted = await accreditation.put(
        "/v1/consents/NIP", headers=auth("participant", person=consenting)
    )
    assert granted.status_code == 201, granted.text
    regranted = await accreditation.put(
        "/v1/consents/NIP", headers=auth("participant", person=consenting)
    )
    assert regranted.status_code == 200
    registrar = auth("registrar", register="NIP")

    page = (await accreditation.get("/v1/registrar/entries", headers=registrar)).json()
    assert [e["registration_number"] for e in page["items"]] == ["00000001"]
    by_number = await accreditation.get(
        "/v1/registrar/entries",
        params={"registration_number": "00000002", "from": "2024-01-01", "to": "2024-12-31"},
        headers=registrar,
    )
    assert by_number.json()["items"] == []
    for spelling in ("00000001", "NIP-00000001"):
        one = await accreditation.get(
            "/v1/registrar/entries", params={"registration_number": spelling}, headers=registrar
        )
        assert [e["registration_number"] for e in one.json()["items"]] == ["00000001"]
    other_register = await accreditation.get(
        "/v1/registrar/entries", headers=auth("registrar", register="SKJ")
    )
    assert other_register.json()["items"] == []
    outside = await accreditation.get(
        "/v1/registrar/entries", params={"to": "2023-12-31"}, headers=registrar
    )
    assert outside.json()["items"] == []

    revoked = await accreditation.delete(
        "/v1/consents/NIP", headers=auth("participant", person=consenting)
    )
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    page = (await accreditation.get("/v1/registrar/entries", headers=registrar)).json()
    assert page["items"] == []


async def test_a_registrar_token_must_name_its_register(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    response = await accreditation.get("/v1/registrar/entries", headers=auth("registrar"))
    assert response.status_code == 403


async def test_export_streams_ndjson_and_csv(accreditation: httpx.AsyncClient, auth: Token) -> None:
    for day in (3, 4, 5):
        body = session(nip(uuid.uuid4(), f"0000000{day}"), day=date(2024, 3, day))
        await record(accreditation, auth, body)
    params = {"from": "2024-03-04", "to": "2024-03-31"}

    ndjson = await accreditation.get(
        "/v1/registers/NIP/ledger.ndjson", params=params, headers=auth()
    )
    assert ndjson.status_code == 200, ndjson.text
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in ndjson.text.splitlines()]
    assert [e["registration_number"] for e in lines] == ["00000004", "00000005"]

    response = await accreditation.get(
        "/v1/registers/nip/ledger.csv", params=params, headers=auth()
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["registration_number"], r["minutes"]) for r in rows] == [
        ("00000004", "150"),
        ("00000005", "150"),
    ]


async def test_a_registrar_exports_only_consenting_registrants(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    consenting = uuid.uuid4()
    await record(accreditation, auth, session(nip(consenting, "00000001"), nip(uuid.uuid4())))
    await accreditation.put("/v1/consents/NIP", headers=auth("participant", person=consenting))

    own = await accreditation.get(
        "/v1/registers/NIP/ledger.ndjson", headers=auth("registrar", register="NIP")
    )
    other = await accreditation.get(
        "/v1/registers/NIP/ledger.ndjson", headers=auth("registrar", register="SKJ")
    )
    assert [json.loads(line)["registration_number"] for line in own.text.splitlines()] == [
        "00000001"
    ]
    assert other.status_code == 404


async def test_attendance_list_has_prefixed_registration_numbers(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    facilitator = uuid.uuid4()
    body = session(
        nip(uuid.uuid4(), "00123456", name="Anna de Vries"),
        nip(uuid.uuid4(), "NIP-00654321", name="Bram Jansen"),
    )
    body["facilitator"]["person_id"] = str(facilitator)
    await record(accreditation, auth, body)
    path = f"/v1/sessions/{body['session_id']}/attendance-lists/NIP"

    response = await accreditation.get(path, headers=auth("facilitator", person=str(facilitator)))
    assert response.status_code == 200, response.text
    assert [(i["prefixed_number"], i["person_name"]) for i in response.json()["items"]] == [
        ("NIP-00123456", "Anna de Vries"),
        ("NIP-00654321", "Bram Jansen"),
    ]
    # Another facilitator's list of it reads as a session without credits.
    other = await accreditation.get(path, headers=auth("facilitator", person=str(uuid.uuid4())))
    assert other.status_code == 200
    assert other.json()["items"] == []


async def test_another_tenant_sees_nothing(
    accreditation: httpx.AsyncClient, auth: Token, token_for: Any
) -> None:
    person = uuid.uuid4()
    entry = (await record(accreditation, auth, session(nip(person))))["judgements"][0]["entry"]
    stranger = token_for(uuid.uuid4(), "admin")

    assert (
        await accreditation.get(f"/v1/ledger/entries/{entry['id']}", headers=stranger)
    ).status_code == 404
    totals = await accreditation.get(f"/v1/people/{person}/registers/NIP/totals", headers=stranger)
    assert totals.json()["cycles"] == []


async def test_concurrent_recordings_keep_one_entry_and_one_chain(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = uuid.uuid4()
    same = session(nip(person))
    others = [session(nip(uuid.uuid4()), day=date(2024, 4, day)) for day in range(1, 6)]
    responses = await asyncio.gather(
        *(
            accreditation.post("/v1/ledger/sessions", json=body, headers=auth("service"))
            for body in [same, same, same, *others]
        )
    )
    assert {r.status_code for r in responses} == {200}
    outcomes = sorted(r.json()["judgements"][0]["outcome"] for r in responses[:3])
    assert outcomes == ["already_recorded", "already_recorded", "recorded"]

    verification = (await accreditation.get("/v1/ledger/verification", headers=auth())).json()
    assert verification["valid"] is True
    assert verification["head_seq"] == 6


async def test_a_register_without_rules_is_refused_with_a_reason(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = session(attendee(registration("XYZ", "1"), registration("NIP", "2")))
    result = await record(accreditation, auth, body)

    xyz, nip_ = result["judgements"]
    assert (xyz["register_code"], xyz["outcome"]) == ("XYZ", "refused")
    assert [r["rule"] for r in xyz["reasons"]] == ["register"]
    assert nip_["reasons"] == [
        {
            "rule": "registered_on",
            "message": "NIP's cycles run from the registration date: `registered_on` is needed",
        }
    ]
