"""Shredding the ledger without rewriting it (ADR 0092), on the real database: an entry
written before revision 0012 (hash version 1) is shredded only under a signed redaction, the
database refuses any other change, verification finds what a superuser changed afterwards,
and the retention job shreds evidence past the register's cycle and its margin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from services.accreditation.config import SCHEMA
from services.accreditation.ledger import chain
from services.accreditation.privacy.retention import evidence_rule
from services.kit.db import create_pool, transaction
from services.kit.migrations import app_role
from services.kit.privacy.retention import Due
from services.kit.settings import Settings
from tests.accreditation.ledger.test_tamper import as_superuser, verification
from tests.accreditation.privacy.support import entry
from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

TABLE = f"{SCHEMA}.ledger_entries"


async def legacy_entry(
    superuser: asyncpg.Connection, org: uuid.UUID, person_id: uuid.UUID
) -> dict[str, Any]:
    """The organisation's first entry as revision 0011 wrote it: hash version 1, the name and
    number hashed as they are."""
    rule_set_id = await superuser.fetchval(
        f"SELECT id FROM {SCHEMA}.rule_sets WHERE org_id IS NULL AND register_code = 'NIP'"
        " ORDER BY version LIMIT 1"
    )
    values = entry(
        hash_version=1,
        org_id=org,
        person_id=person_id,
        rule_set_id=rule_set_id,
        person_name="Lotte Oudgediend",
        registration_number="NIP-LEGACY1",
    )
    stored = {key: value for key, value in values.items() if key != "hash_version"}
    columns = ", ".join(stored)
    placeholders = ", ".join(f"${i}" for i in range(1, len(stored) + 1))
    await superuser.execute(
        f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders})", *stored.values()
    )
    return stored


async def as_service(
    superuser: asyncpg.Connection, org: uuid.UUID, statement: str, *args: Any
) -> str:
    async with superuser.transaction():
        await superuser.execute(f'SET LOCAL ROLE "{app_role(SCHEMA)}"')
        await superuser.execute("SELECT set_config('app.org_id', $1, true)", str(org))
        return str(await superuser.execute(statement, *args))


async def test_a_legacy_entry_is_shredded_under_a_signed_redaction(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    person_id = uuid.uuid4()
    legacy = await legacy_entry(superuser, org, person_id)
    later = session(attendee(registration("NIP", "NIP-NEWER1", registered_on="2023-06-15")))
    await record(accreditation, auth, later)
    assert (await verification(accreditation, auth))["valid"] is True

    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await as_service(
            superuser,
            org,
            f"UPDATE {TABLE} SET person_name = NULL, registration_number = NULL WHERE id = $1",
            legacy["id"],
        )
    with pytest.raises(asyncpg.PostgresError, match="permission denied"):
        await as_service(
            superuser, org, f"UPDATE {TABLE} SET minutes = 0 WHERE id = $1", legacy["id"]
        )

    erased = await accreditation.post(f"/v1/subjects/{person_id}/erasure", headers=auth("admin"))
    assert erased.status_code == 201, erased.text
    row = await superuser.fetchrow(
        f"SELECT person_name, registration_number, hash FROM {TABLE} WHERE id = $1", legacy["id"]
    )
    assert tuple(row) == (None, None, legacy["hash"])
    redaction = await superuser.fetchrow(
        f"SELECT entry_hash, residual_hash FROM {SCHEMA}.ledger_redactions WHERE entry_id = $1",
        legacy["id"],
    )
    assert tuple(redaction) == (legacy["hash"], chain.residual_hash(legacy))
    result = await verification(accreditation, auth)
    assert (result["valid"], result["entries_checked"]) == (True, 2), result["problems"]

    await as_superuser(
        superuser, (f"UPDATE {TABLE} SET minutes = 600 WHERE id = $1", [legacy["id"]])
    )
    result = await verification(accreditation, auth)
    assert result["valid"] is False
    assert [(p["rule"], p["seq"]) for p in result["problems"]] == [("hash_mismatch", 1)]


async def test_a_changed_name_breaks_the_commitment_not_the_hash(
    accreditation: httpx.AsyncClient, auth: Token, org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    nip = registration("NIP", "NIP-00000042", registered_on="2023-06-15")
    await record(accreditation, auth, session(attendee(nip)))
    await as_superuser(
        superuser, (f"UPDATE {TABLE} SET person_name = 'Iemand Anders' WHERE org_id = $1", [org])
    )
    result = await verification(accreditation, auth)
    assert [(p["rule"], p["seq"]) for p in result["problems"]] == [("hash_mismatch", 1)]


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings_for("accreditation"), schema=SCHEMA)
    try:
        yield pool
    finally:
        await pool.close()


async def test_the_retention_job_shreds_evidence_past_its_cycle_and_margin(
    accreditation: httpx.AsyncClient,
    auth: Token,
    org: uuid.UUID,
    superuser: asyncpg.Connection,
    pool: asyncpg.Pool,
    settings_for: Callable[..., Settings],
) -> None:
    old = attendee(registration("NIP", "NIP-OLDCYCLE", registered_on="2014-06-15"))
    new = attendee(registration("NIP", "NIP-NEWCYCLE", registered_on="2024-01-01"))
    await record(accreditation, auth, session(old, new, day=date(2024, 3, 10)))
    rule = evidence_rule(settings_for("accreditation"))
    as_of = datetime(2026, 1, 1, tzinfo=UTC)  # the old cycle ended 2024-06-14; the new 2028-12-31
    due = Due(org_id=org, as_of=as_of, value=1, cutoff=datetime(2025, 1, 1, tzinfo=UTC), limit=10)

    removed = []
    for _ in range(2):
        async with transaction(pool, org_id=org) as conn:
            removed.append(await rule.remove(conn, due))
    assert removed == [1, 0]
    names = await superuser.fetch(
        f"SELECT registration_number FROM {TABLE} WHERE org_id = $1 ORDER BY seq", org
    )
    assert sorted(r[0] or "" for r in names) == ["", "NIP-NEWCYCLE"]
    assert (await verification(accreditation, auth))["valid"] is True
