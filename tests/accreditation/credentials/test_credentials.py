"""Credentials over HTTP on the real database: issued from the ledger, verified by joserfc
(not Kring's code), revoked by a reversal, and what a verification answers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import httpx

from tests.accreditation.credentials.support import (
    changed_byte,
    credit,
    cycle,
    issue,
    key_set,
    participant,
    proof,
    revoked_by_status_list,
    verified,
)
from tests.accreditation.outcomes.support import feed
from tests.conftest import Token

OB_REQUIRED = {"@context", "id", "type", "issuer", "validFrom", "credentialSubject"}


async def test_a_session_credential_and_a_period_statement_verify_independently(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk = uuid.uuid4()
    judged = await credit(accreditation, auth, anouk)
    mine = participant(auth, anouk)

    first = await issue(accreditation, mine, judged["session_id"])
    again = await issue(accreditation, mine, judged["session_id"])

    assert (first.status_code, again.status_code) == (201, 200), first.text
    issued = first.json()
    assert again.json()["id"] == issued["id"]
    keys = await key_set(accreditation, org)
    credential = verified(issued["jws"], keys)
    assert credential == issued["credential"]
    assert OB_REQUIRED <= credential.keys()
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["id"] == issued["url"]
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert {"id", "type", "name", "description", "criteria"} <= achievement.keys()
    assert (subject["creditsEarned"], subject["licenseNumber"]) == (2.5, "110001234")
    facts = subject["intervisie"]
    assert (facts["minutes"], facts["method"], facts["register"]) == (150, "Incidentmethode", "SKJ")
    assert facts["facilitator"]["recognitions"] == ["NOVA", "NIP", "LVSC", "MFN"]

    stated = await cycle(accreditation, mine)
    by_kind = {item["kind"]: item for item in stated["items"]}
    assert by_kind["session"] == {**by_kind["session"], "status": "already_issued"}
    assert by_kind["session"]["credential_id"] == issued["id"]
    assert by_kind["period"]["status"] == "issued"
    period = await accreditation.get(
        f"/v1/credentials/{by_kind['period']['credential_id']}", headers=mine
    )
    statement = verified(period.json()["jws"], keys)
    assert statement["credentialSubject"]["creditsEarned"] == 2.5
    assert [e["id"] for e in statement["evidence"]] == [issued["url"]]
    assert statement["credentialSubject"]["intervisie"]["cycle_start"] == "2025-03-01"

    repeated = await cycle(accreditation, mine)
    assert {i["status"] for i in repeated["items"]} == {"already_issued"}


async def test_reversing_an_entry_revokes_and_restates_and_the_status_list_says_so(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    anouk = uuid.uuid4()
    mine = participant(auth, anouk)
    march = await credit(accreditation, auth, anouk)
    april = await credit(accreditation, auth, anouk, day=date(2026, 4, 23))
    stated = await cycle(accreditation, mine)
    ids = {(i["kind"], i["entry_id"]): i["credential_id"] for i in stated["items"]}
    march_id = ids["session", march["entry"]["id"]]
    period_id = ids["period", None]
    keys = await key_set(accreditation, org)
    march_credential = (await accreditation.get(f"/v1/credentials/{march_id}", headers=mine)).json()
    assert not await revoked_by_status_list(accreditation, march_credential["credential"], keys)

    reversal = await accreditation.post(
        f"/v1/ledger/entries/{march['entry']['id']}/reversal",
        json={"reason": "Dubbel geregistreerd."},
        headers=auth("admin"),
    )
    assert reversal.status_code == 201, reversal.text

    assert await revoked_by_status_list(accreditation, march_credential["credential"], keys)
    answer = await accreditation.post(
        "/v1/credential-verifications", json={"credential": march_credential["jws"]}
    )
    assert answer.json()["status"] == "revoked", answer.text
    old = (await accreditation.get(f"/v1/credentials/{period_id}", headers=mine)).json()
    assert old["revoked_reason"] == "credit reversed: Dubbel geregistreerd."
    listed = await accreditation.get(
        "/v1/credentials", params={"kind": "period", "register": "SKJ"}, headers=mine
    )
    (new,) = [c for c in listed.json()["items"] if c["revoked_at"] is None]
    assert new["replaces_id"] == period_id
    assert new["entry_ids"] == [april["entry"]["id"]]
    assert verified(new["jws"], keys)["credentialSubject"]["creditsEarned"] == 2.5
    wanted = {
        ("credential.revoked", march_id),
        ("credential.revoked", period_id),
        ("credential.issued", new["id"]),
    }
    events: set[tuple[str, Any]] = set()
    for _ in range(300):  # the feed holds events back while an older transaction is in flight
        events = {
            (e["type"], e["data"]["credential_id"])
            for e in await feed(accreditation, auth, expect=1)
            if e["type"].startswith("credential.")
        }
        if wanted <= events:
            break
        await asyncio.sleep(0.1)
    assert ("credential.revoked", march_id) in events
    assert ("credential.revoked", period_id) in events
    assert ("credential.issued", new["id"]) in events


async def test_one_byte_changed_is_tampered_and_malformed_text_is_a_422(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    _, issued = await proof(accreditation, auth)
    token = issued["jws"]
    head, body, signature = token.split(".")
    flipped = "A" if signature[5] != "A" else "B"
    forged_signature = f"{head}.{body}.{signature[:5]}{flipped}{signature[6:]}"

    async def verify(text: str) -> httpx.Response:
        return await accreditation.post("/v1/credential-verifications", json={"credential": text})

    assert (await verify(token)).json()["status"] == "valid"
    for forged in (changed_byte(token), forged_signature, f"x{head[1:]}.{body}.{signature}"):
        answer = await verify(forged)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "tampered", answer.json()
        assert answer.json()["credential"] is None
    malformed = await verify("not a credential")
    assert malformed.status_code == 422, malformed.text
    assert malformed.json()["errors"][0]["rule"] == "compact_jws"
    by_id = await accreditation.get(f"/v1/issuers/{org}/credentials/{issued['id']}/verification")
    assert by_id.json()["status"] == "valid"
    unknown = await accreditation.get(f"/v1/issuers/{org}/credentials/{uuid.uuid4()}/verification")
    assert unknown.json()["status"] == "unknown"


async def test_what_cannot_be_certified_is_refused_naming_the_rule(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    anouk, bram = uuid.uuid4(), uuid.uuid4()
    online = await credit(accreditation, auth, anouk, mode="online")
    kept = await credit(accreditation, auth, anouk, day=date(2026, 5, 7))
    await accreditation.post(
        f"/v1/ledger/entries/{kept['entry']['id']}/reversal",
        json={"reason": "Niet aanwezig geweest."},
        headers=auth("admin"),
    )
    held = await credit(accreditation, auth, bram, day=date(2026, 6, 4))
    mine = participant(auth, anouk)

    refused = await issue(accreditation, mine, online["session_id"])
    reversed_ = await issue(accreditation, mine, kept["session_id"])
    of_bram = await issue(accreditation, mine, held["session_id"], person_id=str(bram))
    nothing = await issue(accreditation, mine, str(uuid.uuid4()))

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["rule"] == "outcome_refused"
    assert reversed_.status_code == 422, reversed_.text
    assert reversed_.json()["errors"][0]["rule"] == "entry_reversed"
    assert of_bram.status_code == 403, of_bram.text
    assert of_bram.json()["errors"][0]["rule"] == "own_credentials_only"
    assert nothing.status_code == 404, nothing.text


async def test_a_credential_is_read_by_its_person_an_admin_and_a_consenting_registrar(
    accreditation: httpx.AsyncClient, auth: Token
) -> None:
    mine, issued = await proof(accreditation, auth)
    path = f"/v1/credentials/{issued['id']}"
    registrar = auth("registrar", register="SKJ")

    async def status(headers: dict[str, str]) -> int:
        return (await accreditation.get(path, headers=headers)).status_code

    assert await status(mine) == 200
    assert await status(auth("admin")) == 200
    assert await status(participant(auth, uuid.uuid4())) == 404
    assert await status(registrar) == 404
    assert (await accreditation.put("/v1/consents/SKJ", headers=mine)).status_code in (200, 201)
    assert await status(registrar) == 200
    assert await status(auth("registrar", register="NIP")) == 404
    seen = await accreditation.get("/v1/credentials", headers=registrar)
    assert [c["id"] for c in seen.json()["items"]] == [issued["id"]]
    other = await accreditation.get(
        "/v1/credentials", params={"person_id": str(uuid.uuid4())}, headers=mine
    )
    assert other.status_code == 404
