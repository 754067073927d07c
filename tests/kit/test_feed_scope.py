"""A scoped event feed (``outbox.feed`` with ``scope``) on the real database: keyset pages stay
exact when events are passed over, and the kit's narrowing helpers (``kit.events``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import msgspec
import pytest
import pytest_asyncio

from services.accreditation.config import SCHEMA
from services.kit import outbox
from services.kit.db import create_pool
from services.kit.events import channel, narrowed, only, when
from services.kit.settings import Settings


@pytest_asyncio.fixture
async def pool(settings_for: Callable[..., Settings]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings_for("accreditation"), schema=SCHEMA)
    yield pool
    await pool.close()


async def committed(pool: asyncpg.Pool, org: uuid.UUID, count: int) -> None:
    """``count`` events numbered from 0, each with a secret, committed and past the horizon."""
    async with pool.acquire() as conn, conn.transaction():
        for n in range(count):
            await outbox.emit(
                conn,
                org_id=org,
                type="t",
                aggregate_id=uuid.uuid4(),
                payload={"n": n, "secret": f"s{n}"},
                channel=channel(SCHEMA),
            )
    async with pool.acquire() as conn:
        for _ in range(600):  # another transaction in the cluster may hold the horizon
            seen, _ = await outbox.feed(conn, org, after=outbox.FeedCursor(0, 0), limit=count)
            if len(seen) == count:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the events never passed the horizon")


def every_third(event: outbox.Event) -> outbox.Event | None:
    """Events 0, 3, 6, ... without their secret; the others not at all."""
    n = event.data["n"]
    return None if n % 3 else msgspec.structs.replace(event, data={"n": n})


async def pages(
    conn: asyncpg.Connection, org: uuid.UUID, *, limit: int
) -> list[list[dict[str, object]]]:
    """Each page's data, read until the cursor comes back unchanged."""
    found, cursor = [], outbox.FeedCursor(0, 0)
    while True:
        items, after = await outbox.feed(conn, org, after=cursor, limit=limit, scope=every_third)
        found.append([e.data for e in items])
        if after == cursor:
            return found
        cursor = after


async def test_pages_pass_over_what_the_reader_may_not_see(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    await committed(pool, org, 7)
    async with pool.acquire() as conn:
        assert await pages(conn, org, limit=2) == [[{"n": 0}, {"n": 3}], [{"n": 6}], []]
        assert await pages(conn, org, limit=10) == [[{"n": 0}, {"n": 3}, {"n": 6}], []]


async def test_a_page_of_nothing_visible_still_moves_on(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page reads at most ``FEED_SCANS`` times ``limit`` events: past that it answers what it
    found (nothing, here) with a cursor that moved, and the reader reads on."""
    monkeypatch.setattr(outbox, "FEED_SCANS", 2)
    org = uuid.uuid4()
    await committed(pool, org, 4)
    async with pool.acquire() as conn:
        first, cursor = await outbox.feed(
            conn, org, after=outbox.FeedCursor(0, 0), limit=1, scope=every_third
        )
        assert [e.data for e in first] == [{"n": 0}]
        empty, moved = await outbox.feed(conn, org, after=cursor, limit=1, scope=every_third)
        assert (empty, moved != cursor) == ([], True)
        last, _ = await outbox.feed(conn, org, after=moved, limit=1, scope=every_third)
        assert [e.data for e in last] == [{"n": 3}]


def _event(type_: str, data: dict[str, object]) -> outbox.Event:
    return msgspec.convert(
        {
            "id": str(uuid.uuid4()),
            "type": type_,
            "timestamp": "2026-01-05T10:00:00Z",
            "org_id": str(uuid.uuid4()),
            "aggregate_id": str(uuid.uuid4()),
            "correlation_id": None,
            "data": data,
        },
        outbox.Event,
    )


def test_only_keeps_the_readers_items_and_their_ids() -> None:
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    view = only("attendees", "employer_id", also={"member_ids": "person_id"})
    data = {
        "size": 3,
        "attendees": [
            {"person_id": "a", "employer_id": mine},
            {"person_id": "b", "employer_id": theirs},
            {"person_id": "c", "employer_id": None},
        ],
        "member_ids": ["c", "b", "a"],
    }
    assert view(data, mine) == {
        "size": 3,
        "attendees": [{"person_id": "a", "employer_id": mine}],
        "member_ids": ["a"],
    }
    assert view(data, str(uuid.uuid4())) is None
    assert data["member_ids"] == ["c", "b", "a"], "the stored data is left as it was"


def test_narrowed_shows_a_type_only_through_its_view() -> None:
    mine = uuid.uuid4()
    views = {"person.updated": when("employer_id")}
    own = _event("person.updated", {"employer_id": str(mine)})
    assert narrowed(views, own, mine) == own
    assert narrowed(views, own, None) is None, "a reader without a key sees nothing"
    assert narrowed(views, own, uuid.uuid4()) is None
    assert narrowed(views, _event("other.type", {"employer_id": str(mine)}), mine) is None
