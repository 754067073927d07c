"""How a credential is issued and revoked, on the caller's transaction: the next status list
position, the signature (``jose.sign``) with the service's signing key, the stored row, and
the event (``credential.issued``, ``credential.revoked``), all in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import structlog

from services.kit.errors import Conflict
from services.kit.ids import uuid7

from .. import webhooks
from ..ledger import repository as ledger
from ..ledger.chain import Signer
from ..ledger.schemas import LedgerEntry
from ..outcomes import service as outcomes
from . import jose, repository, statuslist, vc
from .repository import Row
from .schemas import Credential, CredentialIssuedData, CredentialRevokedData

log = structlog.get_logger("kring.accreditation.credentials")


def credential_of(row: Row, org_id: uuid.UUID) -> Credential:
    issuer = vc.Issuer(row.base_url, org_id)
    return Credential(
        id=row.id,
        url=issuer.credential_url(row.id),
        kind=row.kind,
        person_id=row.person_id,
        register_code=row.register_code,
        cycle_start=row.cycle_start,
        cycle_end=row.cycle_end,
        entry_ids=row.entry_ids,
        reflection_ids=row.reflection_ids,
        status_list_url=issuer.status_list_url(row.status_list),
        status_index=row.status_index,
        issued_at=row.issued_at,
        key_id=row.key_id,
        replaces_id=row.replaces_id,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        jws=row.jws,
        credential=jose.payload_of(row.jws),
    )


def _event_fields(row: Row) -> dict[str, Any]:
    return {
        "credential_id": row.id,
        "kind": row.kind,
        "person_id": row.person_id,
        "employer_id": row.employer_id,
        "register_code": row.register_code,
        "cycle_start": row.cycle_start,
        "cycle_end": row.cycle_end,
        "entry_ids": row.entry_ids,
        "status_list": row.status_list,
        "status_index": row.status_index,
    }


async def store(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    values: dict[str, Any],
    build: Callable[[vc.Issue], dict[str, Any]],
    *,
    base_url: str,
    signer: Signer,
) -> Row | None:
    """Take the next status position, sign what ``build`` makes of it, store and announce it;
    ``None`` when the same credential was stored concurrently."""
    number, index = statuslist.position(await repository.next_position(conn, org_id))
    issuer = vc.Issuer(base_url, org_id)
    issue = vc.Issue(issuer, uuid7(), datetime.now(UTC), number, index)
    row = await repository.insert(
        conn,
        org_id,
        {
            **values,
            "id": issue.credential_id,
            "base_url": base_url,
            "status_list": number,
            "status_index": index,
            "issued_at": issue.issued_at,
            "key_id": signer.key_id,
            "jws": jose.sign(build(issue), signer=signer, kid=issuer.kid(signer.key_id)),
            "revoked_at": None,
            "revoked_reason": None,
        },
    )
    if row is not None:
        data = CredentialIssuedData(
            **_event_fields(row), issued_at=row.issued_at, replaces_id=row.replaces_id
        )
        await webhooks.emit(conn, org_id, data, aggregate_id=row.person_id)
        log.info("credential_issued", credential_id=str(row.id), kind=row.kind)
    return row


async def revoke(conn: asyncpg.Connection, org_id: uuid.UUID, row: Row, *, reason: str) -> None:
    await announce_revoked(
        conn, org_id, await repository.revoke(conn, org_id, row.id, reason=reason)
    )


async def announce_revoked(conn: asyncpg.Connection, org_id: uuid.UUID, row: Row) -> None:
    assert row.revoked_at is not None and row.revoked_reason is not None
    data = CredentialRevokedData(
        **_event_fields(row), revoked_at=row.revoked_at, reason=row.revoked_reason
    )
    await webhooks.emit(conn, org_id, data, aggregate_id=row.person_id)
    log.info("credential_revoked", credential_id=str(row.id), kind=row.kind)


async def _unit(conn: asyncpg.Connection, org_id: uuid.UUID, code: str, day: date) -> str:
    rule_set = await ledger.rule_set_on(conn, org_id, code, day)
    return rule_set.rules.unit if rule_set else "hours"


async def session_credential(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    entry: LedgerEntry,
    *,
    base_url: str,
    signer: Signer,
) -> tuple[Row, bool]:
    """The credit's session credential, issued now (``True``) or before (one per credit)."""
    if (existing := await repository.of_entry(conn, org_id, entry.id)) is not None:
        return existing, False
    unit = await _unit(conn, org_id, entry.register_code, entry.session_date)
    confirmed = await repository.confirmed_at(conn, org_id, entry.session_id, entry.person_id)
    employers = await outcomes.snapshot_employers(conn, org_id, entry.session_id)
    values = {
        "kind": "session",
        "person_id": entry.person_id,
        "employer_id": employers.get(entry.person_id),
        "register_code": entry.register_code,
        "cycle_start": entry.cycle_start,
        "cycle_end": entry.cycle_end,
        "entry_id": entry.id,
        "entry_ids": [entry.id],
        "reflection_ids": [],
        "replaces_id": None,
    }

    def build(issue: vc.Issue) -> dict[str, Any]:
        return vc.session_credential(issue, entry, unit=unit, confirmed_at=confirmed)

    row = await store(conn, org_id, values, build, base_url=base_url, signer=signer)
    if row is None:
        if (existing := await repository.of_entry(conn, org_id, entry.id)) is None:
            raise Conflict("The credential was issued concurrently; retry the request.")
        return existing, False
    return row, True
