"""What anyone may ask without a token: whether a credential is valid, revoked, tampered with
or unknown; its page; the issuer's keys and status lists. Each reads in a transaction of the
credential's own tenant (named by its URL), through row-level security like any request.

None of it tells more than the credential itself: the answer about a credential is its own
payload (once its signature verifies) and its status; a status list is a list of bits.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.kit.db import transaction
from services.kit.errors import NotFound

from ..ledger.chain import Signer
from . import jose, page, repository, rules, vc
from .repository import Row
from .schemas import DID_CONTEXT, CredentialVerification, DidDocument, Jwk, Jwks, VerificationMethod

_CREDENTIAL_URL = re.compile(
    r"/v1/issuers/(?P<org>[0-9a-fA-F-]{36})/credentials/(?P<id>[0-9a-fA-F-]{36})$"
)


def _jwk(issuer: vc.Issuer, key_id: str, public_key: str) -> Jwk:
    return Jwk(
        kty="OKP", crv="Ed25519", x=public_key, kid=issuer.kid(key_id), alg="EdDSA", use="sig"
    )


def _keys(issuer: vc.Issuer, signer: Signer) -> list[Jwk]:
    older = [(k, v) for k, v in signer.trusted().items() if k != signer.key_id]
    return [_jwk(issuer, k, v) for k, v in [(signer.key_id, signer.public_key), *older]]


def jwks(org_id: uuid.UUID, *, base_url: str, signer: Signer) -> Jwks:
    """The keys the issuer signs with: the current one, then the older ones still trusted."""
    return Jwks(keys=_keys(vc.Issuer(base_url, org_id), signer))


def did_document(org_id: uuid.UUID, *, base_url: str, signer: Signer) -> DidDocument:
    issuer = vc.Issuer(base_url, org_id)
    methods = [
        VerificationMethod(id=k.kid, type="JsonWebKey", controller=issuer.did, publicKeyJwk=k)
        for k in _keys(issuer, signer)
    ]
    return DidDocument(
        context=DID_CONTEXT,
        id=issuer.did,
        verificationMethod=methods,
        assertionMethod=[m.id for m in methods],
    )


async def status_list(
    pool: asyncpg.Pool, org_id: uuid.UUID, number: int, *, base_url: str, signer: Signer
) -> str:
    """Status list ``number`` of the issuer as a signed credential (VC-JOSE); 404 when the
    organisation has issued no credential in it. The same bits give the same bytes."""
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        found = await repository.status_list(conn, org_id, number)
    if found is None:
        raise NotFound(f"No status list {number} of this issuer.")
    revoked, changed = found
    issuer = vc.Issuer(base_url, org_id)
    credential = vc.status_list_credential(issuer, number, revoked=revoked, valid_from=changed)
    return jose.sign(credential, signer=signer, kid=issuer.kid(signer.key_id))


def _answer(
    status: Any, examined: jose.Examined, *, extra: list[Any] | None = None
) -> CredentialVerification:
    payload = examined.payload if examined.verdict == "signed" else None
    credential_id = payload.get("id") if payload else None
    return CredentialVerification(
        status=status,
        credential_id=credential_id if isinstance(credential_id, str) else None,
        checks=[*examined.checks, *(extra or [])],
        credential=payload,
        checked_at=datetime.now(UTC),
    )


def _judged(examined: jose.Examined, row: Row | None, token: str) -> CredentialVerification:
    """A signed token held against what was issued: unknown, revoked or valid."""
    # An erased person's credential keeps its row and revocation, not its token.
    issued = rules.issued_check(row is not None, same=row is not None and row.jws in (token, ""))
    if row is None or not issued.passed:
        return _answer("unknown", examined, extra=[issued])
    status = rules.status_check(
        revoked=row.revoked_at is not None,
        list_number=row.status_list,
        index=row.status_index,
        reason=row.revoked_reason,
    )
    return _answer("valid" if status.passed else "revoked", examined, extra=[issued, status])


async def verify(pool: asyncpg.Pool, token: str, *, signer: Signer) -> CredentialVerification:
    """The verification of a credential as presented (a compact JWS)."""
    try:
        examined = jose.examine(token, trusted=signer.trusted())
    except jose.Malformed as exc:
        raise rules.malformed(str(exc)) from exc
    if examined.verdict != "signed":
        return _answer(examined.verdict, examined)
    assert examined.payload is not None
    where = _CREDENTIAL_URL.search(str(examined.payload.get("id", "")))
    if where is None:
        return _answer("unknown", examined, extra=[rules.issued_check(False, same=False)])
    org_id, credential_id = uuid.UUID(where["org"]), uuid.UUID(where["id"])
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        row = await repository.get(conn, org_id, credential_id)
    return _judged(examined, row, token)


async def verify_stored(
    pool: asyncpg.Pool, org_id: uuid.UUID, credential_id: uuid.UUID, *, signer: Signer
) -> CredentialVerification:
    """The verification of a credential by its id: the credential as stored, checked as if it
    were presented (so a stored credential changed in the database answers ``tampered``)."""
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        row = await repository.get(conn, org_id, credential_id)
    if row is None:
        return CredentialVerification(
            status="unknown",
            credential_id=None,
            checks=[rules.issued_check(False, same=False)],
            credential=None,
            checked_at=datetime.now(UTC),
        )
    if not row.jws:  # erased with its person: revoked, and nothing of it left to show
        status = rules.status_check(
            revoked=True,
            list_number=row.status_list,
            index=row.status_index,
            reason=row.revoked_reason,
        )
        return CredentialVerification(
            status="revoked",
            credential_id=None,
            checks=[status],
            credential=None,
            checked_at=datetime.now(UTC),
        )
    examined = jose.examine(row.jws, trusted=signer.trusted())
    if examined.verdict != "signed":
        return _answer(examined.verdict, examined)
    return _judged(examined, row, row.jws)


async def html(
    pool: asyncpg.Pool, org_id: uuid.UUID, credential_id: uuid.UUID, *, signer: Signer
) -> str:
    """The credential's page: its facts and its status, in Dutch; 404 for an unknown one."""
    verification = await verify_stored(pool, org_id, credential_id, signer=signer)
    if verification.status == "unknown":
        raise NotFound("No such credential of this issuer.")
    return page.render(verification)
