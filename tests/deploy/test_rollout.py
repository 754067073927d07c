"""What a rolling upgrade needs from /health/ready (the probe the Deployments use).

The migration Job runs before the new pods start (docs/decisions/0030). Until it has
finished, a new pod is not ready: its release's head is not in the database yet. Once
it has finished, the *old* pods must stay ready (migrations are backward compatible for
one release) until the new ones replace them; otherwise, for that window, the Service has
no ready endpoint at all. The same holds after a rollback.

The probe reads a real ``alembic_version`` table in the test database.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import asyncpg
import pytest

from services.kit.health import ready

SCHEMA = "rollout_probe"
KNOWN = frozenset({"0001", "0002", "0003"})


def readiness(database_url: str, current: str | None, *, head: str = "0003") -> int:
    async def probe() -> int:
        admin = await asyncpg.connect(database_url)
        try:
            await admin.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            await admin.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA}.alembic_version (version_num text)"
            )
            await admin.execute(f"DELETE FROM {SCHEMA}.alembic_version")
            if current is not None:
                await admin.execute(f"INSERT INTO {SCHEMA}.alembic_version VALUES ($1)", current)
        finally:
            await admin.close()
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
        try:
            state = SimpleNamespace(
                pool=pool, schema=SCHEMA, head_revision=head, known_revisions=KNOWN
            )
            response = await ready.fn(state=state)
            return int(response.status_code)
        finally:
            await pool.close()

    return asyncio.run(probe())


def test_a_pod_is_ready_when_the_schema_is_at_its_head(database_url: str) -> None:
    assert readiness(database_url, "0003") == 200


@pytest.mark.parametrize("behind", ["0002", None])
def test_a_new_pod_waits_for_the_migration_job(database_url: str, behind: str | None) -> None:
    assert readiness(database_url, behind) == 503


def test_an_old_pod_stays_ready_after_the_next_releases_migration(database_url: str) -> None:
    assert readiness(database_url, "0004") == 200
