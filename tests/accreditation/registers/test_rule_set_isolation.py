"""Row-level security keeps the catalogue's rule sets out of a tenant's reach, in the database."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from services.accreditation.config import SCHEMA
from services.kit.migrations import app_role


async def test_a_tenant_cannot_write_the_catalogues_rules(
    org: uuid.UUID, superuser: asyncpg.Connection
) -> None:
    async with superuser.transaction():
        await superuser.execute(f'SET LOCAL ROLE "{app_role(SCHEMA)}"')
        await superuser.execute("SELECT set_config('app.org_id', $1, true)", str(org))
        with pytest.raises(asyncpg.PostgresError, match="row-level security"):
            await superuser.execute(
                f"INSERT INTO {SCHEMA}.rule_sets (id, org_id, register_code, version, valid_from,"
                " rules) VALUES (gen_random_uuid(), NULL, 'NOVA', 2, DATE '2030-01-01', '{}')"
            )
