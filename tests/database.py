"""The test run's PostgreSQL: the embedded server unless ``DATABASE_URL`` is set.

Every pytest process gets a database of its own, migrated to head and dropped at
the end. Under pytest-xdist the controller starts the server once and migrates one
template database; each worker gets a copy of it (``CREATE DATABASE ... TEMPLATE``).
Migrating once is the point: the roles a migration creates belong to the whole
server, so two workers migrating a fresh server at the same time would race.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from services.cli import STATE_DIR, migrate, with_database


def server_url() -> str:
    """An administrative URL of the server the tests use."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    from services.kit import devdb

    return devdb.database_url(devdb.start(STATE_DIR / "pgdata"))


def create(server: str, *, template: str | None = None) -> str:
    """The name of a new database: a copy of ``template``, or else migrated to head."""
    name = f"kring_test_{secrets.token_hex(4)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    _admin(server, f'CREATE DATABASE "{name}"{copy}')
    if template is None:
        try:
            migrate(with_database(server, name))
        except BaseException:
            drop(server, name)
            raise
    return name


@contextmanager
def fresh(config: Any) -> Iterator[str]:
    """The URL of a new database migrated to head (under xdist a copy of the controller's
    template, given in ``config.workerinput``), dropped after."""
    shared = getattr(config, "workerinput", {}).get("kring_database")
    server = shared["server"] if shared else server_url()
    name = create(server, template=shared["template"] if shared else None)
    try:
        yield with_database(server, name)
    finally:
        drop(server, name)


def drop(server: str, name: str) -> None:
    _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())
