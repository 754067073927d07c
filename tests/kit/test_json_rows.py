"""PostgreSQL writes a row's JSON as msgspec writes its Struct, byte for byte (``kit.json_rows``):
drawn values of every kind it takes (texts with quotes, backslashes, line breaks and any
script; instants with and without microseconds; nulls, empty lists, big numbers), and the
ledger entry the registrant query answers with. A kind it cannot write alike is refused."""

from __future__ import annotations

import asyncio
import datetime
import decimal
import uuid
from typing import Any, Literal

import asyncpg
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.accreditation.ledger.schemas import LedgerEntry
from services.kit import json_rows


class Kinds(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    number: int
    flag: bool
    text: str
    choice: Literal["credit", "reversal"]
    day: datetime.date
    at: datetime.datetime
    names: list[str]
    maybe_text: str | None
    maybe_at: datetime.datetime | None
    maybe_id: uuid.UUID | None
    renamed: int = msgspec.field(name="renamed_field", default=0)


PG_TYPES = {
    uuid.UUID: "uuid",
    int: "bigint",
    bool: "boolean",
    str: "text",
    datetime.date: "date",
    datetime.datetime: "timestamptz",
}

texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
instants = st.datetimes(
    min_value=datetime.datetime(1900, 1, 1),
    max_value=datetime.datetime(2999, 12, 31),
    timezones=st.just(datetime.UTC),
) | st.datetimes(timezones=st.just(datetime.UTC)).map(lambda t: t.replace(microsecond=0))
numbers = st.integers(min_value=-(2**63), max_value=2**63 - 1)
uuids = st.uuids()


def _of(annotation: Any) -> st.SearchStrategy[Any]:
    if annotation is datetime.datetime:
        return instants
    if annotation is datetime.date:
        return st.dates()
    return {uuid.UUID: uuids, int: numbers, bool: st.booleans(), str: texts}[annotation]


def _pg_type(annotation: Any) -> str:
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    if getattr(annotation, "__origin__", None) is list:
        return "text[]"
    if getattr(annotation, "__origin__", None) is Literal:
        return "text"
    if args and annotation not in PG_TYPES:
        return _pg_type(args[0])
    return PG_TYPES[annotation]


def _strategy(annotation: Any) -> st.SearchStrategy[Any]:
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    origin = getattr(annotation, "__origin__", None)
    if origin is list:
        return st.lists(texts, max_size=4)
    if origin is Literal:
        return st.sampled_from(annotation.__args__)
    if args and annotation not in PG_TYPES:  # an optional value
        return st.none() | _strategy(args[0])
    return _of(annotation)


def structs(kind: type[msgspec.Struct]) -> st.SearchStrategy[msgspec.Struct]:
    fields = msgspec.structs.fields(kind)
    return st.builds(
        lambda *values: kind(**dict(zip([f.name for f in fields], values, strict=True))),
        *[_strategy(f.type) for f in fields],
    )


async def _written(database_url: str, kind: type[msgspec.Struct], values: list[Any]) -> list[str]:
    """What PostgreSQL writes of each Struct in ``values``, from its fields as parameters."""
    fields = msgspec.structs.fields(kind)
    given_columns = ", ".join(
        f"${i}::{_pg_type(f.type)} AS {f.name}" for i, f in enumerate(fields, start=1)
    )
    statement = (
        f"SELECT row_to_json(shown)::text FROM (SELECT {json_rows.columns(kind)}"
        f" FROM (SELECT {given_columns}) given) shown"
    )
    conn = await asyncpg.connect(database_url)
    try:
        prepared = await conn.prepare(statement)
        return [
            await prepared.fetchval(*[getattr(value, f.name) for f in fields]) for value in values
        ]
    finally:
        await conn.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(structs(Kinds), min_size=1, max_size=10))
def test_postgresql_writes_every_kind_as_msgspec_does(database_url: str, values: list[Any]) -> None:
    written = asyncio.run(_written(database_url, Kinds, values))
    assert written == [msgspec.json.encode(value).decode() for value in values]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(structs(LedgerEntry), min_size=1, max_size=10))
def test_postgresql_writes_a_ledger_entry_as_msgspec_does(
    database_url: str, values: list[Any]
) -> None:
    written = asyncio.run(_written(database_url, LedgerEntry, values))
    assert written == [msgspec.json.encode(value).decode() for value in values]


def test_a_page_is_its_items_and_the_cursor_after_the_last() -> None:
    keys = [uuid.uuid4() for _ in range(3)]
    rows = [(key, f'{{"id":"{key}"}}') for key in keys]
    assert msgspec.json.decode(json_rows.page_json(rows[:2], 2)) == {
        "items": [{"id": str(keys[0])}, {"id": str(keys[1])}],
        "next_cursor": None,
    }
    more = msgspec.json.decode(json_rows.page_json(rows, 2))
    assert [item["id"] for item in more["items"]] == [str(keys[0]), str(keys[1])]
    assert more["next_cursor"] is not None


@pytest.mark.parametrize("annotation", [float, decimal.Decimal, dict[str, int], list[int], Kinds])
def test_a_kind_postgresql_would_write_otherwise_is_refused(annotation: Any) -> None:
    odd = msgspec.defstruct("Odd", [("value", annotation)])
    with pytest.raises(TypeError, match="cannot write"):
        json_rows.columns(odd)
