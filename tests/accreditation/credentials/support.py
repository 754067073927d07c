"""What the credentials' tests share: a recorded SKJ credit, and a verifier that is not
Kring's code (joserfc for the JWS, the standard library for the status list)."""

from __future__ import annotations

import base64
import gzip
import json
import uuid
import warnings
from datetime import date
from typing import Any

import httpx
from joserfc import jws
from joserfc.jwk import KeySet

from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

REGISTERED_ON = "2015-03-01"
"""SKJ's cycles run from the registration date: 2025-03-01 to 2030-02-28 holds 2026."""


def skj(person_id: uuid.UUID, number: str = "110001234", **options: Any) -> dict[str, Any]:
    return attendee(
        registration("SKJ", number, registered_on=REGISTERED_ON),
        person_id=person_id,
        name=options.pop("name", "Anouk de Vries"),
        **options,
    )


async def credit(
    client: httpx.AsyncClient,
    auth: Token,
    person_id: uuid.UUID,
    *,
    day: date = date(2026, 3, 26),
    **options: Any,
) -> dict[str, Any]:
    """A closed SKJ session for ``person_id`` judged by the ledger: its judgement and its id."""
    body = session(skj(person_id), day=day, **options)
    result = await record(client, auth, body)
    (judged,) = result["judgements"]
    return {**judged, "session_id": body["session_id"]}


def participant(auth: Token, person_id: uuid.UUID) -> dict[str, str]:
    return auth("participant", person=str(person_id))


async def issue(
    client: httpx.AsyncClient, headers: dict[str, str], session_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        "/v1/credentials",
        json={"session_id": session_id, "register": "SKJ", **body},
        headers=headers,
    )


async def proof(client: httpx.AsyncClient, auth: Token) -> tuple[dict[str, str], dict[str, Any]]:
    """A new person's proof of attendance of an SKJ session: their token's headers, and it."""
    person_id = uuid.uuid4()
    judged = await credit(client, auth, person_id)
    headers = participant(auth, person_id)
    response = await issue(client, headers, judged["session_id"])
    assert response.status_code == 201, response.text
    return headers, response.json()


async def cycle(
    client: httpx.AsyncClient, headers: dict[str, str], on: str = "2026-03-26", **body: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/registers/SKJ/credentials", json={"on": on, **body}, headers=headers
    )
    assert response.status_code == 207, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def key_set(client: httpx.AsyncClient, org: uuid.UUID) -> KeySet:
    """The issuer's JWKS, read without a token."""
    response = await client.get(f"/v1/issuers/{org}/jwks.json")
    assert response.status_code == 200, response.text
    return KeySet.import_key_set(response.json())


def verified(token: str, keys: KeySet) -> dict[str, Any]:
    """The payload of a VC-JOSE credential, verified by joserfc (not Kring's code)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc: "EdDSA is deprecated via RFC 9864"
        compact = jws.deserialize_compact(token, keys, algorithms=["EdDSA"])
    header = compact.headers()
    assert (header["alg"], header["typ"], header["cty"]) == ("EdDSA", "vc+jwt", "vc"), header
    payload: dict[str, Any] = json.loads(compact.payload)
    return payload


async def revoked_by_status_list(
    client: httpx.AsyncClient, credential: dict[str, Any], keys: KeySet
) -> bool:
    """What an outside verifier reads from the credential's status list: fetch it (no token),
    verify its signature, decode its bitstring (GZIP, base64url) and read the bit."""
    status = credential["credentialStatus"]
    assert (status["type"], status["statusPurpose"]) == ("BitstringStatusListEntry", "revocation")
    response = await client.get(status["statusListCredential"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vc+jwt")
    listed = verified(response.text, keys)
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["issuer"]["id"] == credential["issuer"]["id"]
    encoded = listed["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def changed_byte(token: str) -> str:
    """The credential with one byte of its payload changed, re-encoded as it stands."""
    head, body, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    at = raw.index(b"Anouk")
    raw[at] = ord("B")
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"
