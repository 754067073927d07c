"""PostgreSQL access: one asyncpg pool per service, one transaction per request.

The pool is opened in the app's lifespan. Each connection takes the service's
role (when configured) and its schema as ``search_path``, and reads and writes instants as
text in UTC (:func:`instant_in`, ADR 0046). A request's transaction
sets the tenant (``app.org_id``) for row-level security in the same round trip
as ``BEGIN``.

An outage is told apart from a fault: a connection that cannot be made (refused, or not within
:data:`CONNECT_TIMEOUT` seconds), or one lost during the request (:data:`CONNECTION_LOST`), is
the database being unavailable, which the kit answers 503 with ``Retry-After``. Waiting for a
free connection of a busy pool is not bounded: that is load, not an outage, and a timer per
request would cost every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from litestar.di import NamedDependency

from .errors import DomainError, FieldError, NotFound, Unavailable
from .settings import Settings

Connection = asyncpg.Connection
Pool = asyncpg.Pool
Conn = NamedDependency[asyncpg.Connection]
"""A handler's ``conn`` parameter: the request's connection, inside its transaction."""

CONNECT_TIMEOUT = 5.0
"""Seconds a new connection may take (asyncpg's default is 60) before the request answers 503."""
RETRY_AFTER = 5
"""Seconds a client is told to wait (``Retry-After``) when the database cannot be reached."""
CONNECTION_LOST: tuple[type[Exception], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
"""The errors of a database that went away (or cannot take one more connection) while a request
was being served, as opposed to an error of the request itself."""
UNREACHABLE: tuple[type[Exception], ...] = (OSError, *CONNECTION_LOST)
"""And, while a connection is being had: refused, unreachable, timed out (all ``OSError``)."""


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached now: a 503 with ``Retry-After``."""

    def __init__(self) -> None:
        super().__init__(
            "The database cannot be reached now; try again in a few seconds.",
            errors=[
                FieldError(rule="database_unavailable", message="the database cannot be reached")
            ],
            retry_after=RETRY_AFTER,
        )


async def one(conn: asyncpg.Connection, query: str, *args: object, missing: str) -> asyncpg.Record:
    """The row ``query`` finds, or :class:`NotFound` whose detail is ``missing``."""
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise NotFound(missing)
    return row


@asynccontextmanager
async def savepoint(conn: asyncpg.Connection, name: str) -> AsyncIterator[None]:
    """Inside the request's transaction (begun by SQL, so asyncpg's nested ``transaction()``
    is not available): what the block wrote is undone when it raises, the rest is kept."""
    await conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        await conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
        raise
    await conn.execute(f"RELEASE SAVEPOINT {name}")


def upserted_values(row: asyncpg.Record) -> tuple[dict[str, Any], bool]:
    """An upsert's ``RETURNING …, (xmax = 0) AS inserted`` row: its values, and whether the
    statement inserted it (rather than updated it)."""
    values = dict(row)
    return values, bool(values.pop("inserted"))


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


INSTANT_SETTINGS = {"TimeZone": "UTC", "DateStyle": "ISO"}
"""A connection's zone and date style: what a ``timestamptz`` is written in (``+00``, ISO 8601,
so :func:`instant_in` reads it) and what ``interval`` arithmetic on one counts days in."""
_FROM_ISO = datetime.fromisoformat
_INFINITE = {
    "infinity": datetime.max.replace(tzinfo=UTC),
    "-infinity": datetime.min.replace(tzinfo=UTC),
}


def instant_in(text: str) -> datetime:
    """A ``timestamptz`` as PostgreSQL writes it in :data:`INSTANT_SETTINGS`
    (``2026-03-29 01:30:00.5+00``), an aware datetime in UTC; ``infinity`` as asyncpg reads it.

    The connection reads instants as text: asyncpg's binary decoder took 0.6 to 0.9 µs a value,
    ``datetime.fromisoformat`` about 0.1 µs, and a page of sessions holds two hundred (ADR 0046).
    """
    try:
        return _FROM_ISO(text)
    except ValueError:
        if instant := _INFINITE.get(text):
            return instant
        raise


def instant_out(value: datetime) -> str:
    """A ``timestamptz`` parameter as text; a naive datetime is local time, as asyncpg's binary
    encoder takes it."""
    if not isinstance(value, datetime):
        raise TypeError(f"a timestamptz takes a datetime, not {type(value).__name__}")
    return value.astimezone(UTC).isoformat()


async def read_instants_as_text(conn: asyncpg.Connection) -> None:
    """Register :func:`instant_in` and :func:`instant_out` for ``timestamptz`` on ``conn``,
    opened with :data:`INSTANT_SETTINGS`."""
    await conn.set_type_codec(
        "timestamptz",
        encoder=instant_out,
        decoder=instant_in,
        schema="pg_catalog",
        format="text",
    )


async def _init_connection(conn: asyncpg.Connection, *, role: str | None) -> None:
    if role:
        await conn.execute(f"SET ROLE {quote_ident(role)}")
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: msgspec.json.encode(value).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )
    await read_instants_as_text(conn)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset when a connection returns to the pool.

    asyncpg rolls back an open transaction before this runs. Every other piece of session
    state is meant to last: the role and codecs from ``init``, the prepared statements. The
    tenant is transaction-local (``set_config(..., true)``) and no route listens, locks or
    opens cursors outside a transaction, so asyncpg's default reset (``RESET ALL``,
    ``CLOSE ALL``, ``UNLISTEN *``, unlocking advisory locks) would cost one round trip per
    request and change nothing.
    """


async def create_pool(settings: Settings, *, schema: str) -> asyncpg.Pool:
    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn, role=settings.database_role)

    pool = await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        init=init,
        reset=_keep_session,
        timeout=CONNECT_TIMEOUT,
        server_settings={
            "search_path": schema,
            "application_name": f"kring-{settings.service}",
            "plan_cache_mode": settings.db_plan_cache_mode,
            **INSTANT_SETTINGS,
        },
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(
    pool: asyncpg.Pool, *, org_id: uuid.UUID | None, readonly: bool = False, also: str = ""
) -> AsyncIterator[asyncpg.Connection]:
    """Acquire a connection and run one transaction, scoped to a tenant when ``org_id`` is given;
    ``also`` (the kit's own literal statements, such as a lock) travels with ``BEGIN``."""
    begin = "BEGIN READ ONLY" if readonly else "BEGIN"
    if org_id is not None:
        # org_id is a uuid.UUID, so its text form is safe to inline; one round trip.
        begin += f"; SELECT set_config('app.org_id', '{uuid.UUID(str(org_id))}', true)"
    begin += also
    conn: asyncpg.Connection | None = None
    try:
        async with pool.acquire() as conn:
            await conn.execute(begin)
            try:
                yield conn
            except BaseException:
                # A lost (or already detached) connection cannot roll back, and needs not: the
                # request's own error is the one to tell.
                with suppress(asyncpg.InterfaceError, *UNREACHABLE):
                    await conn.execute("ROLLBACK")
                raise
            else:
                try:
                    await conn.execute("COMMIT")
                except asyncpg.InterfaceError as exc:  # lost since its last statement: detached
                    raise DatabaseUnavailable() from exc
    except UNREACHABLE as exc:
        if conn is not None:
            raise
        raise DatabaseUnavailable() from exc


def lock_key(schema: str, org_id: uuid.UUID, path: str) -> int:
    """The advisory lock of writes on the resource at ``path`` of a tenant of a service: what
    ``etags.resource_lock`` takes with a write's ``BEGIN``, and what a use case writing that
    resource another way takes to queue with them."""
    name = f"{schema}\0{org_id}\0{path}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def is_recorded(error: BaseException) -> bool:
    """Whether ``error`` is a refusal whose record its request's transaction commits."""
    return isinstance(error, DomainError) and error.recorded


class RequestTransaction:
    """A request's :func:`transaction`, ended once, by whichever comes first: the app's
    ``after_request`` hook, as soon as the handler returned (committed before its answer is
    rendered, so the connection is back in the pool while the answer is encoded), its
    ``after_exception`` hook (rolled back when the handler raised), or the request's end
    (:class:`RequestTransactionMiddleware`: a request cancelled meanwhile).

    Requests wait for a connection at the app's ``gate``, a semaphore as large as the pool,
    in the order they came: asyncpg's own queue lets a newcomer take a connection just freed
    for a waiter, which then waits again at the back, so under load a few requests waited many
    times over (a p99 of four times the p50, measured; ADR 0042)."""

    __slots__ = ("_exit", "_gate")

    def __init__(self) -> None:
        self._exit: Callable[..., Awaitable[object]] | None = None
        self._gate: asyncio.Semaphore | None = None

    async def begin(
        self, pool: asyncpg.Pool, *, gate: asyncio.Semaphore | None = None, **options: Any
    ) -> asyncpg.Connection:
        if gate is not None:
            await gate.acquire()
            self._gate = gate
        try:
            opened = transaction(pool, **options)
            conn = await opened.__aenter__()
        except BaseException:
            self._let_go()
            raise
        self._exit = opened.__aexit__
        return conn

    async def end(self, error: BaseException | None = None) -> None:
        """Commit (no ``error``, or a refusal it records: ``errors.recording``) or roll back;
        nothing when already ended or never begun. An error of the commit itself is raised
        (``DatabaseUnavailable``: a 503)."""
        end, self._exit = self._exit, None
        if end is None:
            return
        try:
            if error is None or is_recorded(error):
                await end(None, None, None)
            else:
                await end(type(error), error, error.__traceback__)
        finally:
            self._let_go()

    def _let_go(self) -> None:
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()


_REQUEST_TRANSACTION: ContextVar[RequestTransaction | None] = ContextVar(
    "kring_request_transaction", default=None
)


def request_transaction() -> RequestTransaction | None:
    """The transaction of the request being served (:class:`RequestTransactionMiddleware`)."""
    return _REQUEST_TRANSACTION.get()


class RequestTransactionMiddleware:
    """Gives each request its :class:`RequestTransaction`, and ends it when the request ends at
    the latest: rolled back when it is still open then (a request cancelled while its handler
    ran). Nothing begins it here: the app does, once the request is admitted (``kit.app``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        held = RequestTransaction()
        token = _REQUEST_TRANSACTION.set(held)
        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            await held.end(exc)
            raise
        finally:
            _REQUEST_TRANSACTION.reset(token)
        await held.end()
