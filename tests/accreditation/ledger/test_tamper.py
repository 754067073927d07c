"""The ledger is append-only in the database, and verification finds what a superuser rewrote."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest

from services.accreditation.config import SCHEMA
from services.accreditation.ledger import chain
from services.kit.migrations import app_role, owner_role
from tests.accreditation.snapshots import attendee, registration, session
from tests.conftest import Token

TABLE = f"{SCHEMA}.ledger_entries"


async def three_entries(client: httpx.AsyncClient, auth: Token) -> list[dict[str, Any]]:
    """Three sessions, three entries (seq 1, 2, 3), a checkpoint after each."""
    entries = []
    for day in (3, 4, 5):
        body = session(
            attendee(registration("NIP", f"0000000{day}", registered_on="2023-06-15")),
            day=date(2024, 3, day),
        )
        response = await client.post("/v1/ledger/sessions", json=body, headers=auth("service"))
        assert response.status_code == 200, response.text
        entries.append(response.json()["judgements"][0]["entry"])
    assert [e["seq"] for e in entries] == [1, 2, 3]
    return entries


async def verification(client: httpx.AsyncClient, auth: Token) -> dict[str, Any]:
    response = await client.get("/v1/ledger/verification", headers=auth("admin"))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def as_superuser(conn: asyncpg.Connection, *statements: tuple[str, list[Any]]) -> None:
    """Run statements with the append-only trigger disabled, as only a superuser (or owner) can."""
    async with conn.transaction():
        await conn.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER ledger_entries_append_only")
        for sql, args in statements:
            await conn.execute(sql, *args)
        await conn.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER ledger_entries_append_only")


async def test_an_untouched_ledger_verifies(accreditation: httpx.AsyncClient, auth: Token) -> None:
    entries = await three_entries(accreditation, auth)
    result = await verification(accreditation, auth)

    assert result["valid"] is True
    assert result["problems"] == []
    assert result["first_bad_entry"] is None
    assert (result["entries_checked"], result["head_seq"]) == (3, 3)
    assert result["head_hash"] == entries[-1]["hash"]
    assert result["checkpoints_checked"] == 3


async def test_an_empty_ledger_verifies(accreditation: httpx.AsyncClient, auth: Token) -> None:
    result = await verification(accreditation, auth)
    assert (result["valid"], result["entries_checked"], result["head_hash"]) == (True, 0, None)
    checkpoint = await accreditation.post("/v1/ledger/checkpoints", headers=auth("admin"))
    assert checkpoint.status_code == 409


@pytest.mark.parametrize("role", [owner_role(SCHEMA), app_role(SCHEMA)])
@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {TABLE} SET minutes = 0 WHERE org_id = $1",
        f"DELETE FROM {TABLE} WHERE org_id = $1",
    ],
)
async def test_the_database_refuses_update_and_delete(
    accreditation: httpx.AsyncClient,
    auth: Token,
    org: uuid.UUID,
    superuser: asyncpg.Connection,
    role: str,
    statement: str,
) -> None:
    await three_entries(accreditation, auth)
    async with superuser.transaction():
        await superuser.execute(f'SET LOCAL ROLE "{role}"')
        await superuser.execute("SELECT set_config('app.org_id', $1, true)", str(org))
        with pytest.raises(asyncpg.PostgresError) as refused:
            await superuser.execute(statement, org)
    message = str(refused.value)
    assert "append-only" in message or "permission denied" in message
    if role == owner_role(SCHEMA):
        assert "append-only" in message


async def test_truncate_is_refused_for_the_owner(
    accreditation: httpx.AsyncClient, auth: Token, superuser: asyncpg.Connection
) -> None:
    await three_entries(accreditation, auth)
    async with superuser.transaction():
        await superuser.execute(f'SET LOCAL ROLE "{owner_role(SCHEMA)}"')
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await superuser.execute(f"TRUNCATE {TABLE} CASCADE")


async def test_a_changed_entry_is_found(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    entries = await three_entries(accreditation, auth)
    await as_superuser(
        superuser,
        (f"UPDATE {TABLE} SET minutes = 600 WHERE org_id = $1 AND seq = 2", [org]),
    )

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    assert result["first_bad_entry"]["entry_id"] == entries[1]["id"]
    assert result["first_bad_entry"]["seq"] == 2
    assert result["first_bad_entry"]["rule"] == "hash_mismatch"
    assert [(p["rule"], p["seq"]) for p in result["problems"]] == [("hash_mismatch", 2)]


async def test_a_deleted_entry_is_found(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    entries = await three_entries(accreditation, auth)
    await as_superuser(superuser, (f"DELETE FROM {TABLE} WHERE org_id = $1 AND seq = 2", [org]))

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    bad = result["first_bad_entry"]
    assert (bad["seq"], bad["entry_id"], bad["rule"]) == (3, entries[2]["id"], "sequence_gap")
    rules = {(p["rule"], p["seq"]) for p in result["problems"]}
    assert {("sequence_gap", 3), ("link_broken", 3), ("checkpoint_mismatch", 2)} <= rules


async def test_a_deleted_last_entry_is_found_by_its_checkpoint(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    await three_entries(accreditation, auth)
    await as_superuser(superuser, (f"DELETE FROM {TABLE} WHERE org_id = $1 AND seq = 3", [org]))

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    assert result["head_seq"] == 2
    assert [(p["rule"], p["seq"]) for p in result["problems"]] == [("checkpoint_beyond_head", 3)]


async def test_reordered_entries_are_found(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    entries = await three_entries(accreditation, auth)
    move = f"UPDATE {TABLE} SET seq = $3 WHERE org_id = $1 AND seq = $2"
    await as_superuser(superuser, (move, [org, 2, -1]), (move, [org, 3, 2]), (move, [org, -1, 3]))

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    bad = result["first_bad_entry"]
    assert (bad["seq"], bad["entry_id"]) == (2, entries[2]["id"])
    assert {(p["rule"], p["seq"]) for p in result["problems"]} >= {
        ("link_broken", 2),
        ("hash_mismatch", 2),
        ("link_broken", 3),
        ("hash_mismatch", 3),
    }


async def test_a_rehashed_history_is_found_by_the_signed_checkpoints(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    """A superuser who changes an entry and recomputes every hash after it still fails:
    the checkpoints were signed with a key the database never held."""
    entries = await three_entries(accreditation, auth)
    rows = [
        dict(r)
        for r in await superuser.fetch(f"SELECT * FROM {TABLE} WHERE org_id = $1 ORDER BY seq", org)
    ]
    rows[1]["minutes"] = 600
    updates = []
    for i in range(1, len(rows)):
        rows[i]["prev_hash"] = rows[i - 1]["hash"]
        rows[i]["hash"] = chain.entry_hash(rows[i])
        updates.append(
            (
                f"UPDATE {TABLE} SET minutes = $2, prev_hash = $3, hash = $4 WHERE id = $1",
                [rows[i]["id"], rows[i]["minutes"], rows[i]["prev_hash"], rows[i]["hash"]],
            )
        )
    await as_superuser(superuser, *updates)

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    assert {p["rule"] for p in result["problems"]} == {"checkpoint_mismatch"}
    bad = result["first_bad_entry"]
    assert (bad["seq"], bad["entry_id"], bad["rule"]) == (
        2,
        entries[1]["id"],
        "checkpoint_mismatch",
    )


async def test_a_forged_checkpoint_is_found(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    await three_entries(accreditation, auth)
    await superuser.execute(
        f"ALTER TABLE {SCHEMA}.checkpoints DISABLE TRIGGER checkpoints_append_only"
    )
    try:
        await superuser.execute(
            f"UPDATE {SCHEMA}.checkpoints SET signature = $2 WHERE org_id = $1 AND seq = 1",
            org,
            chain.b64(b"\0" * 64),
        )
    finally:
        await superuser.execute(
            f"ALTER TABLE {SCHEMA}.checkpoints ENABLE TRIGGER checkpoints_append_only"
        )

    result = await verification(accreditation, auth)
    assert result["valid"] is False
    assert [(p["rule"], p["seq"]) for p in result["problems"]] == [("checkpoint_signature", 1)]


async def test_checkpoints_verify_with_the_published_key(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID
) -> None:
    """What an outsider does: take a checkpoint and the public key, check the signature."""
    await three_entries(accreditation, auth)
    keys = (await accreditation.get("/v1/ledger/public-keys", headers=auth("registrar"))).json()
    [current] = [k for k in keys["items"] if k["current"]]
    page = (await accreditation.get("/v1/ledger/checkpoints", headers=auth("registrar"))).json()
    assert [c["seq"] for c in page["items"]] == [1, 2, 3]
    for checkpoint in page["items"]:
        assert checkpoint["public_key"] == current["public_key"]
        assert checkpoint["message"].split("\n")[1:4] == [
            str(org),
            str(checkpoint["seq"]),
            checkpoint["head_hash"],
        ]
        assert chain.signature_valid(
            current["public_key"], checkpoint["message"], checkpoint["signature"]
        )
