"""The retention job removes the invoices an erasure held, seven years after the end of
their year: idempotent, safe beside another run, and the series numbers on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import asyncpg
import httpx

from services.invoicing.privacy import rules
from services.invoicing.privacy import service as privacy
from services.kit.db import transaction
from services.kit.privacy import retention
from services.kit.privacy.retention import Due
from tests.conftest import Token
from tests.kit.privacy.support import announced

from ..support import invoices_of, participants, sheet
from .support import YEAR, erase, issue, year_of


def _moment(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


async def _remove(pool: asyncpg.Pool, org: uuid.UUID, as_of: date, *, limit: int = 500) -> int:
    """The ``invoices`` rule's batches for the tenant, as the retention job runs them, but
    without the job's lock: two of these at once meet on the rows."""
    moment = _moment(as_of.year, as_of.month, as_of.day)
    removed = 0
    while True:
        async with transaction(pool, org_id=org) as conn:
            due = Due(
                org_id=org,
                as_of=moment,
                value=7,
                cutoff=datetime(as_of.year - 7, 1, 1, tzinfo=UTC),
                limit=limit,
            )
            count = await privacy.INVOICES.remove(conn, due)
        removed += count
        if count < limit:
            return removed


async def test_the_retention_job_removes_held_invoices_seven_years_on(
    invoicing: httpx.AsyncClient,
    auth: Token,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    org: uuid.UUID,
) -> None:
    person, facilitator = await year_of(invoicing, auth)
    await erase(invoicing, auth(), person.id, 201)
    person_id = uuid.UUID(person.id)

    # The retention job (``kring retention --as-of``) on the last day kept: nothing.
    (outcome,) = await retention.run(
        pool, [privacy.INVOICES], schema="invoicing", as_of=_moment(YEAR + 7, 12, 31), orgs=[org]
    )
    assert (outcome.rule, outcome.removed, outcome.skipped) == ("invoices", 0, False)
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE person_id = $1", person_id) == 3

    # Two runs at once, in batches of one: each invoice is removed once, by one of them.
    first, second = await asyncio.gather(
        _remove(pool, org, date(YEAR + 8, 1, 1), limit=1),
        _remove(pool, org, date(YEAR + 8, 1, 1), limit=1),
    )
    assert first + second == 3
    assert await db.fetchval("SELECT count(*) FROM invoices WHERE person_id = $1", person_id) == 0
    again = await retention.run(
        pool, [privacy.INVOICES], schema="invoicing", as_of=_moment(YEAR + 8, 1, 1), orgs=[org]
    )
    assert sum(o.removed for o in again) == 0  # idempotent: nothing left to visit
    for gone in (*person.invoices, *person.credit_notes):  # its lines, PDF and UBL with it
        for path in ("", "/pdf", "/ubl"):
            answer = await invoicing.get(f"/v1/invoices/{gone['id']}{path}", headers=auth())
            assert answer.status_code == 404, (path, answer.text)
    # The sheets of those sessions went with them, and the others' drafts never issued.
    assert await db.fetchval("SELECT count(*) FROM cost_sheets") == 0

    done = (await invoicing.get(f"/v1/subjects/{person.id}/erasure", headers=auth())).json()
    assert (done["status"], done["held"]) == ("erased", [])
    statuses = await db.fetch(
        "SELECT payload->>'status' AS status FROM outbox"
        " WHERE type = 'subject.erased' AND aggregate_id = $1 ORDER BY position",
        person_id,
    )
    assert [r["status"] for r in statuses] == ["held", "erased"]

    # The series goes on after the numbers removed: none is issued again.
    removed_numbers = {i["number"] for i in (*person.invoices, *person.credit_notes)}
    made = await sheet(invoicing, auth(), facilitator, participants=participants(2))
    draft = (await invoices_of(invoicing, auth(), made["id"]))[0]
    await issue(invoicing, auth(), draft["id"])
    number = (await invoicing.get(f"/v1/invoices/{draft['id']}", headers=auth())).json()["number"]
    assert number == f"PRIV-{YEAR}-{len(removed_numbers) + 1:05d}"
    assert number not in removed_numbers
    assert await _remove(pool, org, date(YEAR + 8, 1, 1)) == 1  # the invoice issued above
    assert await db.fetchval("SELECT count(*) FROM cost_sheets") == 0
    assert await db.fetchval("SELECT count(*) FROM invoices") == 0


async def test_the_job_announces_the_numbers_it_removed(
    invoicing: httpx.AsyncClient, auth: Token, pool: asyncpg.Pool, org: uuid.UUID
) -> None:
    person, _ = await year_of(invoicing, auth)
    numbers = [i["number"] for i in (*person.invoices, *person.credit_notes)]

    await retention.run(
        pool, [privacy.INVOICES], schema="invoicing", as_of=_moment(YEAR + 8, 1, 1), orgs=[org]
    )

    (applied,) = await announced(invoicing, auth(), expected=1)
    (removal,) = applied["data"]["removals"]
    assert (removal["rule"], removal["setting"], removal["value"]) == (
        "invoices",
        "invoices_years",
        7,
    )
    assert removal["removed"] == len(numbers) == 3
    # One series, numbered without a gap: one range.
    assert removal["named"] == rules.number_ranges(numbers) == [f"{min(numbers)}..{max(numbers)}"]
    assert await announced(invoicing, auth("hr", client_org=str(uuid.uuid4()))) == []
