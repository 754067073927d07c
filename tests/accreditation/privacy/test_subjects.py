"""A person's export and erasure in accreditation, on the real database: the export holds
every row about them, the erasure shreds them out of every table while the ledger still
verifies, registrars see an erased marker, and every read of theirs is in the processing log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx

from services.accreditation.config import SCHEMA
from tests.accreditation.credentials.support import participant
from tests.accreditation.privacy.support import a_year, attending, ids, new_person, where_found
from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

BSN = "111222333"
"""Nine digits passing the elfproef."""


async def export(client: httpx.AsyncClient, headers: dict[str, str], person_id: uuid.UUID) -> Any:
    response = await client.get(f"/v1/subjects/{person_id}/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def listed(body: Any, kind: str) -> list[str]:
    return [str(record["id"]) for record in body["records"][kind]]


async def test_the_export_holds_every_row_about_the_person(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    person = await a_year(accreditation, auth, superuser, org)
    body = await export(accreditation, participant(auth, person.id), person.id)

    assert (body["service"], body["person_id"]) == ("accreditation", str(person.id))
    s, args = SCHEMA, (org, person.id)
    expected = {
        "ledger_entries": f"SELECT id FROM {s}.ledger_entries"
        " WHERE org_id = $1 AND person_id = $2 ORDER BY seq",
        "outcomes": f"SELECT id FROM {s}.outcomes WHERE org_id = $1 AND person_id = $2"
        " ORDER BY session_date, id",
        "session_snapshots": f"SELECT session_id FROM {s}.session_snapshots WHERE org_id = $1"
        " AND strpos(snapshot::text, $2::uuid::text) > 0 ORDER BY session_id",
        "attendance_confirmations": f"SELECT session_id FROM {s}.attendance_confirmations"
        " WHERE org_id = $1 AND person_id = $2",
        "consents": f"SELECT id FROM {s}.consents WHERE org_id = $1 AND person_id = $2",
        "credentials": f"SELECT id FROM {s}.credentials WHERE org_id = $1 AND person_id = $2"
        " ORDER BY id",
        "reflection_statements": f"SELECT id FROM {s}.reflection_statements"
        " WHERE org_id = $1 AND person_id = $2",
        "events": f"SELECT id FROM {s}.outbox WHERE org_id = $1 AND aggregate_id = $2"
        " ORDER BY position",
        "processing_log": f"SELECT id FROM {s}.processing_log WHERE org_id = $1"
        " AND person_id = $2 ORDER BY at, id",
        "erasures": f"SELECT person_id FROM {s}.subject_erasures"
        " WHERE org_id = $1 AND person_id = $2",
    }
    for kind, query in expected.items():
        assert listed(body, kind) == await ids(superuser, query, *args), kind
    assert len(body["records"]["ledger_entries"]) == 8  # four sessions, two registers
    assert {e["person_name"] for e in body["records"]["ledger_entries"]} == {person.name}
    (entry,) = [e for e in body["records"]["ledger_entries"] if e["seq"] == 1]
    stored = await superuser.fetchrow(
        f"SELECT hash, registration_number, minutes FROM {s}.ledger_entries WHERE id = $1",
        uuid.UUID(entry["id"]),
    )
    assert (entry["hash"], entry["registration_number"], entry["minutes"]) == tuple(stored)
    (credential,) = body["records"]["credentials"]
    assert body["documents"] == [
        {
            "kind": "credential_pdf",
            "id": credential["id"],
            "href": f"/v1/credentials/{credential['id']}/pdf",
            "name": None,
        }
    ]
    pdf = await accreditation.get(
        body["documents"][0]["href"], headers=participant(auth, person.id)
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    operations = [r["operation"] for r in body["records"]["processing_log"]]
    assert operations[-1] == "exportSubject" and "listRegistrantEntries" in operations


async def test_the_processing_log_lists_reads_in_the_order_they_happened(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    """The registrant query's entries are written by its own statement, with ids PostgreSQL
    makes time-ordered as the service makes its own (a random id listed a registrar's reads
    anywhere among the others). Ids hold milliseconds: the reads are a few apart."""
    person = await a_year(accreditation, auth, superuser, org)
    registrar = auth("registrar", register="SKJ")
    for _ in range(3):
        await export(accreditation, auth("admin"), person.id)
        await asyncio.sleep(0.002)
        read = await accreditation.get(
            "/v1/registrar/entries", params={"registration_number": person.skj}, headers=registrar
        )
        assert read.status_code == 200 and read.json()["items"], read.text
        await asyncio.sleep(0.002)
    log = await accreditation.get(
        "/v1/processing-log",
        params={"person_id": str(person.id), "limit": 200},
        headers=auth("admin"),
    )
    assert log.status_code == 200, log.text
    operations = [entry["operation"] for entry in log.json()["items"]]
    assert operations[-6:] == ["exportSubject", "listRegistrantEntries"] * 3, operations


async def test_only_the_person_and_admins_export(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    person = new_person()
    other = auth("participant", person=str(uuid.uuid4()))
    refused = await accreditation.get(f"/v1/subjects/{person.id}/export", headers=other)
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["rule"] == "own_records_only"
    empty = await export(accreditation, auth("admin"), person.id)
    records = empty["records"]
    assert [r["operation"] for r in records.pop("processing_log")] == ["exportSubject"]
    assert all(rows == [] for rows in records.values()) and empty["documents"] == []
    registrar = await accreditation.get(
        f"/v1/subjects/{person.id}/export", headers=auth("registrar", register="SKJ")
    )
    assert registrar.status_code == 403


async def test_an_erasure_shreds_the_person_and_the_ledger_still_verifies(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    person = await a_year(accreditation, auth, superuser, org)
    admin = auth("admin")
    url = f"/v1/subjects/{person.id}/erasure"
    assert (await accreditation.get(url, headers=admin)).status_code == 404
    assert set(await where_found(superuser, person.name)) >= {
        "ledger_entries.person_name",
        "outcomes.person_name",
        "session_snapshots.snapshot",
    }

    first = await accreditation.post(url, headers=admin)
    again = await accreditation.post(url, headers=admin)
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert first.json() == again.json() == (await accreditation.get(url, headers=admin)).json()
    assert (first.json()["status"], first.json()["held"]) == ("erased", [])

    for needle in (person.name, person.skj, person.nip):
        assert await where_found(superuser, needle) == [], needle
    verification = (await accreditation.get("/v1/ledger/verification", headers=admin)).json()
    assert verification["valid"] is True, verification["problems"]
    assert verification["entries_checked"] == 8

    registrar = auth("registrar", register="SKJ")
    page = (await accreditation.get("/v1/registrar/entries", headers=registrar)).json()
    assert len(page["items"]) == 4
    assert all(
        (e["erased"], e["person_name"], e["registration_number"]) == (True, "", "")
        for e in page["items"]
    )
    by_number = await accreditation.get(
        "/v1/registrar/entries", params={"registration_number": person.skj}, headers=registrar
    )
    assert by_number.json()["items"] == []
    nobody = await superuser.fetch(
        f'SELECT scope, "grant" FROM {SCHEMA}.processing_log WHERE org_id = $1'
        " AND operation = 'listRegistrantEntries' AND person_id IS NULL",
        org,
    )
    assert [tuple(r) for r in nobody] == [("SKJ", "role registrar of register SKJ")]
    totals = await accreditation.get(
        f"/v1/people/{person.id}/registers/SKJ/totals", headers=participant(auth, person.id)
    )
    assert (totals.json()["erased"], totals.json()["cycles"]) == (True, [])

    (credential,) = await superuser.fetch(
        f"SELECT id, jws, revoked_reason FROM {SCHEMA}.credentials WHERE org_id = $1"
        " AND person_id = $2",
        org,
        person.id,
    )
    assert (credential["jws"], credential["revoked_reason"]) == ("", "the person was erased")
    checked = await accreditation.get(
        f"/v1/issuers/{org}/credentials/{credential['id']}/verification"
    )
    assert checked.status_code == 200 and checked.json()["status"] == "revoked", checked.text
    gone = await accreditation.get(
        f"/v1/credentials/{credential['id']}", headers=participant(auth, person.id)
    )
    assert gone.status_code == 404
    log = await superuser.fetch(
        f'SELECT operation, actor_role, "grant" FROM {SCHEMA}.processing_log'
        " WHERE org_id = $1 AND person_id = $2 ORDER BY at, id",
        org,
        person.id,
    )
    consent = await superuser.fetchval(
        f"SELECT id FROM {SCHEMA}.consents WHERE org_id = $1 AND person_id = $2", org, person.id
    )
    assert ("listRegistrantEntries", "registrar", f"consent {consent} to register SKJ") in [
        tuple(r) for r in log
    ]
    assert ("eraseSubject", "admin", "role admin") in [tuple(r) for r in log]
    event = await superuser.fetchval(
        f"SELECT payload FROM {SCHEMA}.outbox WHERE org_id = $1 AND type = 'subject.erased'", org
    )
    assert event is not None

    late = await record(accreditation, auth, session(attending(person), day=date(2026, 10, 1)))
    assert {(j["outcome"], j["reasons"][0]["rule"]) for j in late["judgements"]} == {
        ("refused", "erased")
    }
    assert await where_found(superuser, person.name) == []


async def test_a_registration_number_that_looks_like_a_bsn_is_refused(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    body = session(attendee(registration("NIP", BSN)))
    refused = await accreditation.post("/v1/ledger/sessions", json=body, headers=auth("service"))
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error == {
        "field": "body.attendees[0].registrations[0].number",
        "rule": "bsn",
        "message": error["message"],
    }
    asked = await accreditation.get(
        "/v1/registrar/entries",
        params={"registration_number": BSN},
        headers=auth("registrar", register="NIP"),
    )
    assert asked.status_code == 422
    assert asked.json()["errors"][0] == {
        "field": "query.registration_number",
        "rule": "bsn",
        "message": asked.json()["errors"][0]["message"],
    }
