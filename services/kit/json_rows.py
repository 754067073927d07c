"""Rows that PostgreSQL writes as JSON, the text msgspec writes of the Struct they stand for.

A hot list can have the database write each row's JSON object (``row_to_json``), so that the
service reads one text per row instead of a value per column, builds no Struct and encodes
nothing: on the registrant query that was a fifth of the service's CPU per request, measured
(ADR 0044). The Struct stays the answer's schema; :func:`columns` selects its fields, in its
order and by its names, so that PostgreSQL writes the same text msgspec would:

- instants in UTC with ``Z``, microseconds only when there are some
  (``2026-03-26T18:00:00Z``, ``2026-03-26T18:00:00.120000Z``);
- strings, numbers, booleans, nulls, UUIDs, dates and lists of strings as they are: both
  write them alike, and escape the same characters.

A field of another type (a float, a Decimal, a nested Struct) is refused when the columns are
built, so that no answer changes its form unnoticed.
"""

from __future__ import annotations

import datetime
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar, cast

import msgspec
from litestar import Response
from litestar.enums import MediaType

from .pagination import next_cursor

_PLAIN: tuple[type, ...] = (str, int, bool, uuid.UUID, datetime.date)
Schema = TypeVar("Schema")


def instant(column: str) -> str:
    """SQL of a ``timestamptz`` as msgspec writes an instant in UTC."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds FROM"
        f" {utc})::int % 1000000 = 0 THEN '' ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _kind(annotation: Any) -> str:
    """``instant``, ``plain`` or ``list``: how a field of this type is written."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = {_kind(arg) for arg in typing.get_args(annotation) if arg is not type(None)}
        if len(kinds) == 1:
            return kinds.pop()
    elif annotation is datetime.datetime:
        return "instant"
    elif typing.get_origin(annotation) is Literal:
        if all(isinstance(arg, str) for arg in typing.get_args(annotation)):
            return "plain"
    elif typing.get_origin(annotation) is list:
        if typing.get_args(annotation) == (str,):
            return "list"
    elif isinstance(annotation, type) and issubclass(annotation, _PLAIN):
        return "plain"
    raise TypeError(f"PostgreSQL cannot write a field of type {annotation!r} as msgspec does")


def columns(struct: type[msgspec.Struct], column: Callable[[str], str] = str) -> str:
    """The select list of ``struct``'s JSON: each field from the column ``column(name)``, by the
    field's name, in the Struct's order (for ``row_to_json``)."""
    selected = []
    for field in msgspec.structs.fields(struct):
        source = column(field.name)
        kind = _kind(field.type)
        value = instant(source) if kind == "instant" else source
        selected.append(f"{value} AS {field.encode_name}")
    return ", ".join(selected)


def page_json(rows: Sequence[tuple[Any, str]], limit: int) -> bytes:
    """The JSON of a page (``items``, ``next_cursor``: ``kit.pagination.page_of``) from a
    repository's ``limit + 1`` rows of (key, the item's JSON)."""
    cursor = next_cursor([key for key, _ in rows], limit)
    items = ",".join(text for _, text in rows[:limit])
    return b'{"items":[%s],"next_cursor":%s}' % (items.encode(), msgspec.json.encode(cursor))


def answer(body: bytes, schema: type[Schema]) -> Response[Schema]:
    """``body``, the JSON of a ``schema``, as a handler's answer: sent as it is, and documented
    in the contract as ``schema`` (the handler's return type, ``Response[schema]``)."""
    return cast("Response[Schema]", Response(content=body, media_type=MediaType.JSON))
