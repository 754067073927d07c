"""Keyset pagination: an opaque cursor that holds the last key of a page."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, NamedTuple, Protocol, TypeVar

from litestar.params import QueryParameter

from .errors import FieldError, InvalidInput

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Items per page (1 to 200).")]
Cursor = Annotated[
    str | None,
    QueryParameter(
        pattern=r"^[A-Za-z0-9_-]{22}$", description="`next_cursor` of the previous page."
    ),
]
DEFAULT_LIMIT = 50


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    """The id after which the next page starts; a cursor this service did not issue is a 400."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput(
            "The cursor is not one this service issued.",
            errors=[
                FieldError(
                    field="query.cursor", rule="format", message="not a cursor from a previous page"
                )
            ],
        ) from exc


class Keyset(NamedTuple):
    """The page a caller asks for: at most ``limit`` items, those after the id ``after``."""

    after: uuid.UUID | None
    limit: int

    @property
    def rows(self) -> int:
        """The rows a repository fetches: one more than the page, to tell a next page exists."""
        return self.limit + 1


def keyset(cursor: str | None, limit: int) -> Keyset:
    """The page a ``cursor`` and ``limit`` ask for; a cursor not issued here is a 400."""
    return Keyset(decode_cursor(cursor), limit)


def next_cursor(ids: list[uuid.UUID], limit: int) -> str | None:
    """Repositories fetch ``limit + 1`` rows: more than ``limit`` means a next page."""
    return encode_cursor(ids[limit - 1]) if len(ids) > limit else None


class _Keyed(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


Item = TypeVar("Item", bound=_Keyed)
Page = TypeVar("Page")


def page_of(page: Callable[..., Page], items: Sequence[Item], limit: int) -> Page:
    """The page of a repository's ``limit + 1`` rows: the first ``limit`` items and the cursor
    after the last of them (none when there is no next page)."""
    return page(items=list(items[:limit]), next_cursor=next_cursor([i.id for i in items], limit))
