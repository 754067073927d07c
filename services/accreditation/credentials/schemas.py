"""The credentials' wire format: what is issued, how it verifies, the issuer's public keys, and
the events that announce an issue or a revocation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from services.kit.schemas import Inbound, Outbound

from ..ledger.schemas import RegisterCodeIn

Kind = Literal["session", "period"]
MAX_JWS = 65_536


class CredentialIn(Inbound, kw_only=True, frozen=True):
    """Which credit to certify: a person's attendance of a closed session, in one register."""

    examples = (
        {
            "session_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d07",
            "register": "SKJ",
            "person_id": "0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04",
        },
    )

    session_id: uuid.UUID
    register: RegisterCodeIn
    person_id: uuid.UUID | None = None
    """Whose attendance; a participant's own when left out."""


class CycleCredentialsIn(Inbound, kw_only=True, frozen=True):
    """Whose cycle to certify: each person's cycle in the register that holds ``on``."""

    examples = (
        {"on": "2026-03-26", "person_ids": ["0193f2a4-7c1e-7b3a-9d2e-5f6a7b8c9d04"]},
        {"on": "2026-03-26"},
    )

    on: date
    """A day of the cycle: each person's cycle that holds it (cycles may run per person)."""
    person_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100)] | None = None
    """Whose cycles; left out: a participant's own, or, for an admin, everyone with a credit
    in the register in such a cycle (at most 100 people a call)."""


class Credential(Outbound, frozen=True):
    """A credential as issued: the signed JWS, what it says, and whether it still stands."""

    id: uuid.UUID
    url: str
    """The credential's `id`: its page, which shows its facts and its status to anyone."""
    kind: Kind
    """`session`: a proof of attendance of one session; `period`: a statement of a cycle."""
    person_id: uuid.UUID
    register_code: str
    cycle_start: date
    cycle_end: date
    entry_ids: list[uuid.UUID]
    """The ledger credits it states."""
    reflection_ids: list[uuid.UUID]
    """The countersigned reflection statements it states (a period statement's evidence)."""
    status_list_url: str
    status_index: int
    issued_at: datetime
    key_id: str
    replaces_id: uuid.UUID | None
    """The period statement this one was issued in place of."""
    revoked_at: datetime | None
    revoked_reason: str | None
    jws: str
    """The credential secured with VC-JOSE: a compact JWS (`application/vc+jwt`)."""
    credential: dict[str, Any]
    """The JWS payload: the Open Badges 3.0 credential as signed."""


class CredentialPage(Outbound, frozen=True):
    items: list[Credential]
    next_cursor: str | None


class ItemError(Outbound, frozen=True):
    rule: str
    message: str


class CycleItem(Outbound, kw_only=True, frozen=True):
    """One credential of a cycle: issued now, already issued (the same id), or refused."""

    kind: Kind
    person_id: uuid.UUID
    entry_id: uuid.UUID | None = None
    status: Literal["issued", "already_issued", "refused"]
    credential_id: uuid.UUID | None = None
    errors: list[ItemError] = msgspec.field(default_factory=list)


class CycleCredentials(Outbound, frozen=True):
    """Per item, what issuing a register cycle's credentials did (a multi-status answer)."""

    register_code: str
    on: date
    items: list[CycleItem]


class VerificationIn(Inbound, kw_only=True, frozen=True):
    examples = (
        {
            "credential": "eyJhbGciOiJFZERTQSIsImN0eSI6InZjIiwia2lkIjoiZGlkOndlYjpleGFtcGxlIiwi"
            "dHlwIjoidmMrand0In0.eyJpZCI6InVybjp1dWlkOjAifQ.c2lnbmF0dXJl"
        },
    )

    credential: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_JWS)]
    """A credential as Kring issued it: the compact JWS."""


class Check(Outbound, frozen=True):
    check: Literal["header", "issuer_key", "signature", "issued", "status"]
    passed: bool
    message: str


class CredentialVerification(Outbound, frozen=True):
    """Whether a credential is what Kring issued, and whether it still stands."""

    status: Literal["valid", "revoked", "tampered", "unknown"]
    """`valid`: signed by the issuer, as issued, not revoked; `revoked`: so, but revoked (its
    bit in the status list is set); `tampered`: it claims to be Kring's but its bytes are not
    what Kring signed; `unknown`: not a credential this service issued."""
    credential_id: str | None
    checks: list[Check]
    """Each check made, in order, with its reason; the first that failed decides."""
    credential: dict[str, Any] | None
    """The verified credential (null unless its signature verifies)."""
    checked_at: datetime


class Jwk(Outbound, frozen=True):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class Jwks(Outbound, frozen=True):
    """The issuer's public keys (RFC 7517): the current one first, then older trusted ones."""

    keys: list[Jwk]


class VerificationMethod(Outbound, frozen=True):
    id: str
    type: Literal["JsonWebKey"]
    controller: str
    publicKeyJwk: Jwk


DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]


class DidDocument(Outbound, frozen=True):
    """The issuer as a `did:web` document: its keys, each one it may have signed with."""

    context: list[str] = msgspec.field(name="@context")
    id: str
    verificationMethod: list[VerificationMethod]
    assertionMethod: list[str]


class CredentialEventData(Outbound, frozen=True):
    """What both credential events state: the credential by its ids, never a name. Read
    `GET /v1/credentials/{credential_id}` with a role that may."""

    credential_id: uuid.UUID
    kind: Kind
    person_id: uuid.UUID
    employer_id: uuid.UUID | None
    """The client organisation employing the person, as the session's snapshot names it."""
    register_code: str
    cycle_start: date
    cycle_end: date
    entry_ids: list[uuid.UUID]
    status_list: int
    status_index: int


class CredentialIssuedData(CredentialEventData, frozen=True):
    """`credential.issued`: a credential was signed and can be verified from now on."""

    issued_at: datetime
    replaces_id: uuid.UUID | None


class CredentialRevokedData(CredentialEventData, frozen=True):
    """`credential.revoked`: a credential's bit in its status list is set: a credit it states
    was reversed (a session cancelled or corrected), or a period statement was superseded."""

    revoked_at: datetime
    reason: str
