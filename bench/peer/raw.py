"""The second peer: FastAPI and pydantic on the same raw asyncpg SQL as Kring.

The middle rung of the ladder of peers: the data layer is Kring's (the service's pool
settings, plans made once per connection and instants read as text among them; one round trip
for ``BEGIN`` with the tenant and the asynchronous commit of a logged read; the same statement
as ``registrar_page`` builds it, which logs each registrant shown in the processing log;
``COMMIT``), and what is left of the conventional peer is the framework: FastAPI's dependencies
and query validation, pydantic validating the rows and ``TypeAdapter(...).dump_json`` writing
the answer. Kring against this peer is the share of Litestar and msgspec; this peer against the
ORM peer (:mod:`bench.peer.app`) the share of the ORM.

``python -m bench.peer --raw --port PORT``
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import TypeAdapter

from services.kit.db import INSTANT_SETTINGS, read_instants_as_text

from .auth import TokenVerifier
from .models import LedgerEntry
from .params import AskedPage
from .rules import encode_cursor
from .schemas import EntryPage, LedgerEntryOut
from .settings import PeerSettings

FIELDS = tuple(LedgerEntryOut.model_fields)
"""The answer's fields, in its order: the columns the statement selects."""
CONSENTED = (
    "EXISTS (SELECT 1 FROM consents c WHERE c.org_id = e.org_id AND c.person_id = e.person_id"
    " AND c.register_code = e.register_code AND c.revoked_at IS NULL OFFSET 0)"
)
PAGE = TypeAdapter(EntryPage)
ROWS = TypeAdapter(list[LedgerEntryOut])

SHOWN = {
    "person_name": "coalesce(e.person_name, '') AS person_name",
    "registration_number": "coalesce(e.registration_number, '') AS registration_number",
    "erased": "(e.person_name IS NULL) AS erased",
}
"""How an erased person's entry is shown, as Kring shows it."""

if not set(FIELDS) - {"erased"} <= set(LedgerEntry.__table__.columns.keys()):
    raise RuntimeError("the answer's fields must be columns of ledger_entries")

LOGGED = """
    WITH page AS ({query}),
    logged AS (
        INSERT INTO processing_log (org_id, id, actor_subject, actor_role, operation, person_id,
                                    scope, "grant", request_id)
        SELECT $1, {uuid7}, ${subject}, 'registrar', 'listRegistrantEntries',
               c.person_id, $2, 'consent ' || c.id || ' to register ' || $2, NULL
        FROM (SELECT DISTINCT person_id
              FROM (SELECT person_id FROM page ORDER BY id LIMIT ${shown}) shown) p
        JOIN consents c ON c.org_id = $1 AND c.person_id = p.person_id
                       AND c.register_code = $2 AND c.revoked_at IS NULL
        UNION ALL
        SELECT $1, {uuid7}, ${subject}, 'registrar', 'listRegistrantEntries',
               NULL, $2, 'role registrar of register ' || $2, NULL
        WHERE NOT EXISTS (SELECT 1 FROM page)
    )
    SELECT * FROM page ORDER BY id
"""
UUID7 = (
    "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing"
    " substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)"
    " FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid"
)
"""Kring's registrant query logs each person it shows under their consent (GDPR: who read
whose data, and why), in the same statement; the peer does the same work."""

router = APIRouter()


def statement(
    *, numbers: bool, from_date: bool, to_date: bool, after: bool
) -> tuple[str, list[str]]:
    """The statement naming only the filters given (as Kring's), and the order of its values."""
    where = ["e.org_id = $1", "e.register_code = $2"]
    names = ["org_id", "register_code"]
    for name, given, test in (
        ("numbers", numbers, "e.registration_number = ANY(${}::text[])"),
        ("from_date", from_date, "e.session_date >= ${}"),
        ("to_date", to_date, "e.session_date <= ${}"),
    ):
        if given:
            names.append(name)
            where.append(test.format(len(names)))
    where.append(CONSENTED)
    if after:
        names.append("after")
        where.append(f"e.id > ${len(names)}")
    names.append("rows")
    columns = ", ".join(SHOWN.get(c, f"e.{c}") for c in FIELDS)
    query = (
        f"SELECT {columns} FROM ledger_entries e WHERE {' AND '.join(where)}"
        f" ORDER BY e.id LIMIT ${len(names)}"
    )
    names += ["subject", "shown"]
    sql = LOGGED.format(query=query, subject=len(names) - 1, shown=len(names), uuid7=UUID7)
    return sql, names


@router.get("/v1/registrar/entries")
async def registrar_entries(request: Request, page: AskedPage) -> Response:
    """The entries of the token's register, of registrants who consented, for a period."""
    limit = page.limit
    values = {
        "org_id": page.org_id,
        "register_code": page.register_code,
        "numbers": page.registration_numbers,
        "from_date": page.from_date,
        "to_date": page.to_date,
        "after": page.after,
        "rows": limit + 1,
        "subject": page.subject,
        "shown": limit,
    }
    sql, names = statement(
        numbers=page.registration_numbers is not None,
        from_date=page.from_date is not None,
        to_date=page.to_date is not None,
        after=page.after is not None,
    )
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        # One round trip for BEGIN, the tenant and the asynchronous commit, as Kring's
        # per-request transaction of a logged read.
        await conn.execute(
            f"BEGIN; SELECT set_config('app.org_id', '{uuid.UUID(str(page.org_id))}', true)"
            "; SET LOCAL synchronous_commit = off"
        )
        try:
            rows = await conn.fetch(sql, *(values[name] for name in names))
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
    items = ROWS.validate_python([dict(row) for row in rows[:limit]])
    page = EntryPage(
        items=items,
        next_cursor=encode_cursor(rows[limit - 1]["id"]) if len(rows) > limit else None,
    )
    return Response(PAGE.dump_json(page), media_type="application/json")


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset on release, as Kring's pool (the tenant is transaction-local)."""


def create_app(settings: PeerSettings) -> FastAPI:
    role = settings.database_role

    async def init(conn: asyncpg.Connection) -> None:
        if role:
            await conn.execute('SET ROLE "' + role.replace('"', '""') + '"')
        await read_instants_as_text(conn)  # as Kring's connections (ADR 0046)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            settings.database_url,
            min_size=2,  # Kring's KRING_DB_POOL_MIN default
            max_size=settings.db_pool_max,
            init=init,
            reset=_keep_session,
            server_settings={
                "search_path": settings.search_path,
                "application_name": "kring-peer-raw",
                "plan_cache_mode": "force_generic_plan",  # Kring's KRING_DB_PLAN_CACHE_MODE
                **INSTANT_SETTINGS,
            },
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(title="Kring peer (raw asyncpg)", lifespan=lifespan, openapi_url=None)
    app.state.verifier = TokenVerifier(settings)
    app.include_router(router)
    return app
