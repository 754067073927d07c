from __future__ import annotations

import asyncpg

from services.kit.errors import NotFound

from .schemas import Register

_COLUMNS = "code, name, full_name, profession, website, counts_intervisie, notes"


def _register(row: asyncpg.Record) -> Register:
    return Register(**dict(row))


async def list_all(conn: asyncpg.Connection) -> list[Register]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM registers ORDER BY code")
    return [_register(row) for row in rows]


async def get(conn: asyncpg.Connection, code: str) -> Register:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM registers WHERE code = $1", code)
    if row is None:
        raise NotFound(f"No register {code!r}.")
    return _register(row)
