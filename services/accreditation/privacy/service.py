"""Accreditation's part of a person's rights: what it holds about them (streamed, kind by
kind) and its part of their erasure (ADR 0092): the ledger shredded without rewriting the
chain, credentials revoked and their tokens erased, the rest of the evidence removed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.kit.db import transaction
from services.kit.errors import Conflict, NotFound
from services.kit.privacy import processing_log
from services.kit.subjects import (
    SubjectDocument,
    SubjectErasedData,
    SubjectErasure,
    check_own,
    export_body,
)

from .. import webhooks
from ..credentials import issuing
from ..credentials import repository as credentials
from ..ledger import checkpoints
from ..ledger import repository as ledger
from ..ledger.chain import Signer, entry_hash
from ..principal import Principal
from . import repository, rules
from .repository import Erasure

SERVICE = "accreditation"


async def export(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, *, pool: asyncpg.Pool
) -> AsyncIterator[bytes]:
    """Everything accreditation holds about the person, to an admin or the person; the export
    is logged in the request's transaction (a logged read), then streamed from a connection of
    its own (``pool``)."""
    admin = principal.has("admin")
    check_own(admin=admin, caller=principal.person, person_id=person_id)
    await processing_log.record_given(
        conn, principal, person_id, admin=admin, operation="exportSubject"
    )
    return body(pool, principal.org_id, person_id)


async def _documents(
    conn: asyncpg.Connection, org_id: uuid.UUID, person_id: uuid.UUID
) -> AsyncIterator[SubjectDocument]:
    async for credential_id in repository.documents(conn, org_id, person_id):
        yield SubjectDocument(
            kind="credential_pdf", id=credential_id, href=f"/v1/credentials/{credential_id}/pdf"
        )


async def body(pool: asyncpg.Pool, org_id: uuid.UUID, person_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The export's JSON, read in one read-only transaction (one view of the person)."""
    async with transaction(pool, org_id=org_id, readonly=True) as conn:
        records = {
            kind: repository.rows(conn, kind, org_id, person_id) for kind in repository.KINDS
        }
        exported = export_body(
            service=SERVICE,
            person_id=person_id,
            exported_at=datetime.now(UTC),
            records=records,
            documents=_documents(conn, org_id, person_id),
        )
        async for chunk in exported:
            yield chunk


async def erase(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, *, signer: Signer
) -> tuple[SubjectErasure, bool]:
    """The person erased from accreditation, once: the record of it, and whether this call
    did it. Under the chain lock, so no entry of theirs is appended meanwhile."""
    org_id = principal.org_id
    head = await checkpoints.open_head(conn, org_id)
    if (done := await repository.erasure(conn, org_id, person_id)) is not None:
        return _answer(person_id, done), False
    entries = await repository.person_rows(conn, org_id, person_id)
    shredded = await shred(conn, head, entries, signer)
    revoked = await credentials.revoke_person(conn, org_id, person_id, reason=rules.ERASED_REASON)
    for row in revoked:
        await issuing.announce_revoked(conn, org_id, row)
    await credentials.erase_tokens(conn, org_id, person_id)
    await repository.remove_evidence(conn, org_id, person_id, erased_name=rules.ERASED_NAME)
    snapshots = await repository.snapshots_naming(conn, org_id, person_id)
    await repository.rewrite_snapshots(
        conn,
        org_id,
        [(session_id, rules.redacted_snapshot(s, person_id)) for session_id, s in snapshots],
    )
    done = Erasure(
        erased_at=datetime.now(UTC),
        erased_by=principal.subject,
        entries_shredded=shredded,
        credentials_revoked=len(revoked),
    )
    await repository.record_erasure(conn, org_id, person_id, done)
    await processing_log.record(
        conn, principal, operation="eraseSubject", person_id=person_id, grant="role admin"
    )
    data = SubjectErasedData(person_id=person_id, status="erased", held=[])
    await webhooks.emit(conn, org_id, data, aggregate_id=person_id)
    return _answer(person_id, done), True


async def shred(
    conn: asyncpg.Connection, head: checkpoints.Head, rows: list[dict[str, Any]], signer: Signer
) -> int:
    """Shred the person's name and registration number from stored entries (``rows``: every
    column, read under the chain lock ``head`` holds). A version-2 entry keeps its hash as it
    is; a version-1 entry must still match its hash, and its redaction is signed first."""
    for row in rows:
        if row["hash_version"] == 1:
            if entry_hash(row) != row["hash"]:
                raise Conflict(
                    f"Ledger entry {row['id']} is not what its hash proves: the ledger fails "
                    "verification there, and nothing was erased."
                )
            signed = checkpoints.redaction(head.org_id, row, signer)
            await ledger.insert_redaction(conn, head.org_id, signed)
    return await repository.shred(conn, head.org_id, [row["id"] for row in rows])


async def get_erasure(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID
) -> SubjectErasure:
    check_own(admin=principal.has("admin"), caller=principal.person, person_id=person_id)
    if (done := await repository.erasure(conn, principal.org_id, person_id)) is None:
        raise NotFound(f"Accreditation has not erased person {person_id}.")
    return _answer(person_id, done)


def _answer(person_id: uuid.UUID, done: Erasure) -> SubjectErasure:
    """Accreditation keeps nothing of the person for a legal reason: always ``erased``."""
    return SubjectErasure(person_id=person_id, status="erased", erased_at=done.erased_at, held=[])
