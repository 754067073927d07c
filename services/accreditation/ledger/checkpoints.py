"""The chain's head and its signed checkpoints: appending under the chain lock, signing the
head, verifying the whole chain. Use cases on the caller's transaction; the hashing and
signing themselves are :mod:`.chain` (pure).

Every transaction that appends ends by signing its head, so signing is where what it
reversed is followed: the credentials stating a reversed credit are revoked, and their
period statements issued again (``credentials.statements.follow_reversals``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.kit.errors import Conflict
from services.kit.ids import uuid7
from services.kit.pagination import Keyset, page_of

from ..credentials import statements as credentials
from . import chain, repository
from .schemas import (
    ChainProblem,
    Checkpoint,
    CheckpointPage,
    LedgerEntry,
    PublicKey,
    PublicKeyList,
    Verification,
)


class Head:
    """The organisation's chain head while a transaction appends to it (under the chain lock)."""

    def __init__(self, org_id: uuid.UUID, head: tuple[int, str] | None) -> None:
        self.org_id = org_id
        self.seq, self.hash = head or (0, chain.GENESIS)
        self.reversals: list[LedgerEntry] = []
        """The reversals this transaction appended, for :func:`sign` to follow."""

    async def append(self, conn: asyncpg.Connection, values: dict[str, Any]) -> LedgerEntry:
        values = {
            **values,
            "org_id": self.org_id,
            "id": uuid7(),
            "seq": self.seq + 1,
            "recorded_at": datetime.now(UTC),
            "prev_hash": self.hash,
            "hash_version": 2,
            **_personal(values),
        }
        values["hash"] = chain.entry_hash(values)
        stored = await repository.insert(conn, values)
        self.seq, self.hash = stored.seq, stored.hash
        if stored.kind == "reversal":
            self.reversals.append(stored)
        return stored


def _personal(values: dict[str, Any]) -> dict[str, Any]:
    """The person's fields, their salt and commitment; an erased person's (a reversal of a
    shredded entry) stay empty, committed to with a salt nobody keeps."""
    person = {key: values[key] or None for key in chain.PERSONAL}
    salt = chain.new_salt()
    committed = chain.commitment(salt, **person)
    kept = salt if person["person_name"] is not None else None
    return {**person, "personal_salt": kept, "personal_commitment": committed}


async def open_head(conn: asyncpg.Connection, org_id: uuid.UUID) -> Head:
    """Take the organisation's chain lock (until the transaction ends) and read its head."""
    await repository.lock_chain(conn, org_id)
    return Head(org_id, await repository.head(conn, org_id))


def _checkpoint_out(org_id: uuid.UUID, row: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        **row,
        message=chain.checkpoint_message(
            org_id=org_id, seq=row["seq"], head_hash=row["head_hash"], signed_at=row["signed_at"]
        ),
    )


async def sign(conn: asyncpg.Connection, head: Head, signer: chain.Signer) -> Checkpoint:
    """Follow what the transaction reversed (revoke the credentials stating it, issue their
    period statements again), then sign the head as it stands and store the checkpoint."""
    if head.reversals:
        await credentials.follow_reversals(conn, head.org_id, head.reversals, signer=signer)
        head.reversals = []
    signed_at = datetime.now(UTC)
    message = chain.checkpoint_message(
        org_id=head.org_id, seq=head.seq, head_hash=head.hash, signed_at=signed_at
    )
    row = await repository.insert_checkpoint(
        conn,
        head.org_id,
        {
            "id": uuid7(),
            "seq": head.seq,
            "head_hash": head.hash,
            "signed_at": signed_at,
            "key_id": signer.key_id,
            "public_key": signer.public_key,
            "signature": signer.sign(message),
        },
    )
    return _checkpoint_out(head.org_id, row)


def redaction(org_id: uuid.UUID, row: dict[str, Any], signer: chain.Signer) -> dict[str, Any]:
    """A signed statement that a version-1 entry (``row``: every stored column, intact) had
    its hash, and what will be left of it once shredded."""
    signed_at = datetime.now(UTC)
    values = {
        "entry_id": row["id"],
        "seq": row["seq"],
        "entry_hash": row["hash"],
        "residual_hash": chain.residual_hash(row),
        "signed_at": signed_at,
        "key_id": signer.key_id,
        "public_key": signer.public_key,
    }
    message = chain.redaction_message(
        org_id=org_id,
        seq=row["seq"],
        entry_id=row["id"],
        entry_hash=row["hash"],
        residual_hash=values["residual_hash"],
        signed_at=signed_at,
    )
    return {**values, "signature": signer.sign(message)}


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, signer: chain.Signer) -> Checkpoint:
    """Sign the chain's head now."""
    head = await open_head(conn, org_id)
    if head.seq == 0:
        raise Conflict("The ledger holds no entries yet: there is no head to sign.")
    return await sign(conn, head, signer)


async def page(conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset) -> CheckpointPage:
    rows = await repository.checkpoint_page(conn, org_id, asked)
    items = [_checkpoint_out(org_id, row) for row in rows]
    return page_of(CheckpointPage, items, asked.limit)


def public_keys(signer: chain.Signer) -> PublicKeyList:
    """The keys checkpoints are signed with: the current one first, then the older trusted."""
    current = PublicKey(
        key_id=signer.key_id, algorithm="Ed25519", public_key=signer.public_key, current=True
    )
    older = [
        PublicKey(key_id=kid, algorithm="Ed25519", public_key=key, current=False)
        for kid, key in signer.trusted().items()
        if kid != signer.key_id
    ]
    return PublicKeyList(items=[current, *older])


def _problem(found: chain.Found) -> ChainProblem:
    return ChainProblem(
        rule=found.rule,  # type: ignore[arg-type]
        seq=found.seq,
        entry_id=found.entry_id,
        checkpoint_id=found.checkpoint_id,
        message=found.message,
    )


async def verify(conn: asyncpg.Connection, org_id: uuid.UUID, signer: chain.Signer) -> Verification:
    """Recompute the chain entry by entry and hold it against every signed checkpoint."""
    checkpoints = await repository.all_checkpoints(conn, org_id)
    wanted = {int(cp["seq"]) for cp in checkpoints}
    hashes: dict[int, tuple[str, uuid.UUID]] = {}
    walk = chain.Walk(
        problems=[],
        org_id=org_id,
        redactions=await repository.redactions(conn, org_id),
        trusted=signer.trusted(),
    )
    async for row in repository.walk(conn, org_id):
        walk.step(row, hashes, wanted)
    for found in chain.check_checkpoints(
        checkpoints, org_id=org_id, hashes=hashes, head_seq=walk.head_seq, trusted=signer.trusted()
    ):
        walk.note(found)
    problems = sorted(
        walk.problems, key=lambda p: (p.seq if p.seq is not None else 0, p.entry_id is None)
    )
    failing = [p for p in problems if p.rule != "checkpoint_unknown_key"]
    with_entry = [p for p in failing if p.entry_id is not None]
    return Verification(
        valid=not failing,
        entries_checked=walk.checked,
        checkpoints_checked=len(checkpoints),
        head_seq=walk.head_seq,
        head_hash=walk.head_hash,
        first_bad_entry=_problem(with_entry[0]) if with_entry else None,
        problems=[_problem(p) for p in problems],
    )
