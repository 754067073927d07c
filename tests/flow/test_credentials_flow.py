"""The SKJ professional's paper trail without paper, across the three processes: a session
closed in scheduling becomes a credit, a proof of attendance and, with a supervisor's
countersigned reflection statement, a period statement that an outside verifier (joserfc,
not Kring's code) accepts; a countersignature without the recognition SKJ accepts is
refused; cancelling the session in scheduling revokes what it certified."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.accreditation.credentials.support import (
    key_set,
    revoked_by_status_list,
    verified,
)
from tests.flow.platform import Platform
from tests.flow.support import closed_session, eventually, member, ok, supervised_group

SKJ = {"register": "SKJ", "number": "110012345", "registered_on": "2022-01-10"}


async def test_skj_credentials_from_closing_to_revocation(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    org = uuid.uuid4()
    admin = token_for(org, "admin", ttl=3600)
    scheduling = httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin, timeout=30)
    accreditation = httpx.AsyncClient(base_url=platform.urls["accreditation"], timeout=30)
    async with scheduling, accreditation:
        group_id = await supervised_group(scheduling, "Jeugdzorg Utrecht")
        fee = ok(await scheduling.get(f"/v1/groups/{group_id}"))["facilitator_id"]
        anouk = await member(scheduling, group_id, "anouk", registrations=[SKJ])
        session_id = await closed_session(
            scheduling, group_id, [anouk], start="2025-03-04T19:00", end="2025-03-04T21:30"
        )
        mine = token_for(org, "participant", person=anouk)
        supervisor = token_for(org, "facilitator", person=fee)

        async def issued() -> Any:
            answer = await accreditation.post(
                "/v1/credentials",
                json={"session_id": session_id, "register": "SKJ"},
                headers=mine,
            )
            return answer.json() if answer.status_code == 201 else None

        proof = await eventually(issued)  # once the relay has delivered session.closed
        assert proof, "the closed session never became a credit"
        keys = await key_set(accreditation, org)
        assert verified(proof["jws"], keys)["credentialSubject"]["intervisie"]["minutes"] == 150

        asked = await accreditation.post(
            "/v1/reflection-statements",
            json={
                "register": "SKJ",
                "on": "2025-03-04",
                "supervisor_id": fee,
                "supervisor_name": "Fee Begeleider",
            },
            headers=mine,
        )
        statement_id = ok(asked)["id"]
        countersign = f"/v1/reflection-statements/{statement_id}/countersignature"

        async def sign(register: str) -> httpx.Response:
            body = {"recognition": {"register": register, "number": "LVSC-0042"}}
            return await accreditation.post(countersign, json=body, headers=supervisor)

        refused = await sign("NOVA")
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["rule"] == "supervisor_recognition"
        assert ok(await sign("LVSC"))["status"] == "countersigned"

        stated = ok(
            await accreditation.post(
                "/v1/registers/SKJ/credentials", json={"on": "2025-03-04"}, headers=mine
            )
        )
        (period,) = [i for i in stated["items"] if i["kind"] == "period"]
        read = ok(
            await accreditation.get(f"/v1/credentials/{period['credential_id']}", headers=mine)
        )
        statement = verified(read["jws"], keys)
        genres = sorted(e["genre"] for e in statement["evidence"])
        assert genres == ["Bewijs van deelname", "Reflectieverklaring"]
        page = await accreditation.get(proof["url"])
        assert page.status_code == 200 and "Geldig" in page.text

        cancel = {"reason": "Held in error"}
        ok(await scheduling.post(f"/v1/sessions/{session_id}/cancel", json=cancel))

        async def revoked() -> bool:
            return await revoked_by_status_list(accreditation, proof["credential"], keys)

        assert await eventually(revoked), "the cancelled session's credential was not revoked"
        verdict = await accreditation.post(
            "/v1/credential-verifications", json={"credential": proof["jws"]}
        )
        assert verdict.json()["status"] == "revoked"
        listed = ok(
            await accreditation.get("/v1/credentials", params={"kind": "period"}, headers=mine)
        )
        (standing,) = [c for c in listed["items"] if c["revoked_at"] is None]
        assert (standing["entry_ids"], standing["reflection_ids"]) == ([], [statement_id])
