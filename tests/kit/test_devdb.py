"""The embedded PostgreSQL of ``make run`` and ``make test`` has room for the test run's
connections: initdb's 100 slots were too few for two workers beside the cross-service tests
(``sorry, too many clients already``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from services.kit import devdb


async def _max_connections(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SHOW max_connections"))
    finally:
        await conn.close()


def test_a_new_server_gets_the_connection_slots_and_a_joined_one_keeps_running(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    server = devdb.start(Path(tmp_path_factory.mktemp("devdb")) / "pgdata")
    try:
        url = devdb.database_url(server)
        assert asyncio.run(_max_connections(url)) == devdb.MAX_CONNECTIONS
        pid = server.get_pid()
        assert devdb.start(server.pgdata) is server  # joined: no second restart
        assert server.get_pid() == pid
        assert asyncio.run(_max_connections(url)) == devdb.MAX_CONNECTIONS
    finally:
        server.cleanup()
    assert not (server.pgdata / "postmaster.pid").exists()  # stopped, the restarted one too
