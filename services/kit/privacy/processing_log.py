"""The processing log: who read, exported or erased a person's data, when, and why (ADR 0090).

A service writes an entry in the transaction of the request it serves, so an answer is never
given without its entry, nor an entry kept for an answer that failed::

    await processing_log.record(
        conn, principal, operation="exportSubject", person_id=person_id, grant="role admin"
    )

A GET runs in a read-only transaction (``kit.app``); a GET that logs is declared a logged
read (``opt=processing_log.logged_read()``), whose transaction is read-write. On a hot path
the entry travels with the query itself, an insert in a common table expression named
:data:`CTE` (the registrar's registrant query): one round trip, not two.

The table is append-only (the service's role may insert and select; a trigger refuses any
update, delete or truncate). The reader is named by subject and role, nothing else.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from ..ids import uuid7
from ..principal import Principal
from ..request_context import current_request_id
from ..subjects import grant_of
from .rules import entry_names_something, role_of

LOGGED_READ = "kring_logged_read"
"""The ``opt`` key of a GET handler whose transaction is read-write, to log the read."""
COLUMNS = 'org_id, id, actor_subject, actor_role, operation, person_id, scope, "grant", request_id'
_INSERT = f"INSERT INTO processing_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
_INSERT_EACH = (
    f"INSERT INTO processing_log ({COLUMNS})"
    " SELECT $1, e.id, $3, $4, $5, e.person_id, $6, $7, $8"
    " FROM unnest($2::uuid[], $9::uuid[]) AS e(id, person_id)"
)
CTE = "processing_logged"
"""The name a statement that logs its own read gives the insert it carries (the registrant
query's, in accreditation's ledger repository)."""


def logged_read(opt: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A GET handler's ``opt`` (with what ``opt`` holds already, such as its links) declaring
    it a logged read: its transaction is read-write, so that it may :func:`record`."""
    return {**(opt or {}), LOGGED_READ: True}


def is_logged_read(opt: Mapping[str, Any]) -> bool:
    return bool(opt.get(LOGGED_READ))


ASYNC_COMMIT = "; SET LOCAL synchronous_commit = off"
"""How a logged read's transaction begins: its commit does not wait for the disk. A read
costs a read's time (the flush of a commit cost a GET ten times its time, measured), and a
crash loses at most the last moments' entries (``wal_writer_delay``), never a write of data."""


def read_mode(method: str, opt: Mapping[str, Any]) -> tuple[bool, str]:
    """How the kit opens a request's transaction: read-only for a GET or HEAD, unless the
    handler is a logged read (read-write, committed asynchronously); what to add to
    ``BEGIN``."""
    if method not in {"GET", "HEAD"}:
        return False, ""
    if is_logged_read(opt):
        return False, ASYNC_COMMIT
    return True, ""


def _values(
    principal: Principal,
    *,
    operation: str,
    grant: str,
    person_id: uuid.UUID | None,
    scope: str | None,
    role: str | None,
) -> list[object]:
    entry_names_something(person_id, scope)
    return [
        principal.org_id,
        uuid7(),
        principal.subject,
        role_of(principal.roles, role),
        operation,
        person_id,
        scope,
        grant,
        current_request_id(),
    ]


async def record(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    operation: str,
    grant: str,
    person_id: uuid.UUID | None = None,
    scope: str | None = None,
    role: str | None = None,
) -> None:
    """Log that ``principal`` called ``operation`` (an operation id) on ``person_id``'s data
    or on ``scope`` (a register for a bulk read), allowed by ``grant`` (``"role admin"``,
    ``"consent <id>"``, ``"role registrar of register SKJ"``): one insert, in the request's
    transaction. ``role`` is the role the grant relied on (by default the caller's)."""
    values = _values(
        principal, operation=operation, grant=grant, person_id=person_id, scope=scope, role=role
    )
    await conn.execute(_INSERT, *values)


async def record_given(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: uuid.UUID,
    *,
    admin: bool,
    operation: str,
    role: str | None = None,
) -> None:
    """Log a person's data given to an admin (``admin``, as the service's roles say) or to
    the person themselves (an export), under the grant :func:`kit.subjects.grant_of` names."""
    await record(
        conn,
        principal,
        operation=operation,
        grant=grant_of(admin=admin),
        person_id=person_id,
        role=role,
    )


async def record_each(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    operation: str,
    grant: str,
    person_ids: Sequence[uuid.UUID],
    scope: str | None = None,
    role: str | None = None,
) -> None:
    """One entry per person of ``person_ids`` (a page of registrants read at once), in one
    round trip; nothing for none."""
    if not person_ids:
        return
    org_id, _, subject, actor_role, _, _, _, _, request_id = _values(
        principal, operation=operation, grant=grant, person_id=person_ids[0], scope=scope, role=role
    )
    ids = [uuid7() for _ in person_ids]
    await conn.execute(
        _INSERT_EACH,
        org_id,
        ids,
        subject,
        actor_role,
        operation,
        scope,
        grant,
        request_id,
        list(person_ids),
    )
