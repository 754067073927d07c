"""The SKJ reflection statement over HTTP: requested by the participant, refused to a
countersigner without the recognition SKJ's rules name (or who is not the supervisor asked),
countersigned by the supervisor, and then evidence on the cycle's period statement."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.accreditation.credentials.support import (
    credit,
    cycle,
    key_set,
    participant,
    verified,
)
from tests.conftest import Token

SUPERVISOR = "Ingrid van Dijk"


async def ask(
    client: httpx.AsyncClient, headers: dict[str, str], supervisor: uuid.UUID, **body: Any
) -> httpx.Response:
    return await client.post(
        "/v1/reflection-statements",
        json={
            "register": "SKJ",
            "on": "2026-03-26",
            "supervisor_id": str(supervisor),
            "supervisor_name": SUPERVISOR,
            **body,
        },
        headers=headers,
    )


async def sign(
    client: httpx.AsyncClient, headers: dict[str, str], statement_id: str, register: str
) -> httpx.Response:
    return await client.post(
        f"/v1/reflection-statements/{statement_id}/countersignature",
        json={"recognition": {"register": register, "number": "LVSC-0042"}},
        headers=headers,
    )


async def test_the_skj_reflection_statement_from_request_to_period_statement(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk, ingrid, someone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await credit(accreditation, auth, anouk)
    mine = participant(auth, anouk)
    supervisor = auth("facilitator", person=str(ingrid))
    outsider = auth("participant", person=str(ingrid), supervisor=True)
    before = await cycle(accreditation, mine)
    (first_statement,) = [i for i in before["items"] if i["kind"] == "period"]

    asked = await ask(accreditation, mine, ingrid)
    assert asked.status_code == 201, asked.text
    statement = asked.json()
    assert (statement["status"], statement["cycle_start"]) == ("requested", "2025-03-01")
    assert statement["accepted_recognitions"] == ["LVSC", "VGCT", "NIP", "NVO", "NVRG"]
    path = statement["id"]

    wrong_body = await sign(accreditation, supervisor, path, "NOVA")
    assert wrong_body.status_code == 422, wrong_body.text
    assert wrong_body.json()["errors"][0]["rule"] == "supervisor_recognition"
    not_asked = await sign(accreditation, auth("facilitator", person=str(someone)), path, "LVSC")
    assert not_asked.status_code == 404, not_asked.text  # cannot even see it
    own = await sign(accreditation, mine, path, "LVSC")
    assert own.status_code == 403, own.text
    assert own.json()["errors"][0]["rule"] == "not_the_supervisor"
    plain = auth("participant", person=str(ingrid))
    assert (await sign(accreditation, plain, path, "LVSC")).status_code == 403

    signed = await sign(accreditation, outsider, path, "LVSC")
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "countersigned"
    assert signed.json()["recognition"] == {"register": "LVSC", "number": "LVSC-0042"}
    assert (await sign(accreditation, supervisor, path, "LVSC")).status_code == 409

    listed = await accreditation.get("/v1/credentials", params={"kind": "period"}, headers=mine)
    standing = [c for c in listed.json()["items"] if c["revoked_at"] is None]
    (now,) = standing
    assert now["replaces_id"] == first_statement["credential_id"]
    assert now["reflection_ids"] == [path]
    statement_vc = verified(now["jws"], await key_set(accreditation, org))
    (reflection,) = [e for e in statement_vc["evidence"] if e["genre"] == "Reflectieverklaring"]
    assert reflection["id"] == f"urn:uuid:{path}"
    assert SUPERVISOR in reflection["description"] and "LVSC" in reflection["description"]
    assert statement_vc["credentialSubject"]["intervisie"]["reflection_statements"] == 1


async def test_a_request_names_a_cycle_a_register_that_asks_and_someone_else(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    anouk = uuid.uuid4()
    await credit(accreditation, auth, anouk)
    mine = participant(auth, anouk)

    own = await ask(accreditation, mine, anouk)
    nip = await ask(accreditation, mine, uuid.uuid4(), register="NIP")
    no_cycle = await ask(accreditation, mine, uuid.uuid4(), on="2019-01-01")
    twice = [await ask(accreditation, mine, uuid.uuid4(), person_id=str(anouk)) for _ in "ab"]

    assert own.json()["errors"][0]["rule"] == "own_supervisor"
    assert nip.json()["errors"][0]["rule"] == "no_reflection_statement"
    assert no_cycle.json()["errors"][0]["rule"] == "no_cycle"
    assert [r.status_code for r in twice] == [201, 201]  # two supervisors asked
    again = await ask(accreditation, mine, uuid.UUID(twice[0].json()["supervisor_id"]))
    assert again.status_code == 409, again.text
    listed = await accreditation.get("/v1/reflection-statements", headers=mine)
    assert len(listed.json()["items"]) == 2
