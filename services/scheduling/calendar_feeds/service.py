"""Calendar feed URLs' use cases: make, read, rotate and revoke a person's or a group's URL
(on the caller's connection), and answer a poll of one (its own transaction: the URL is the
caller's only credential). Access from the people's and the groups' rules, URLs and dates
from ``rules.py``, SQL from ``repository.py``; the calendar itself is the sessions'."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import msgspec

from services.kit import capabilities
from services.kit.db import transaction
from services.kit.errors import NotFound
from services.kit.etags import tag_of

from ..groups import service as groups
from ..groups.rules import check_facilitates, narrowed_to
from ..people import repository as people
from ..principal import Principal
from ..sessions import service as sessions
from . import repository, rules
from .repository import Holder
from .schemas import CalendarFeed, IssuedFeedUrl, OwnerKind

UNKNOWN = "No such calendar feed."
"""The one answer to a token that opens nothing: unknown, rotated, revoked or malformed alike."""
Admit = Callable[[uuid.UUID, uuid.UUID], None]
"""Takes a poll's rate-limit units: the feed's tenant and the feed (or raises a 429)."""


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose feed URL: a person's or a group's."""

    kind: OwnerKind
    id: uuid.UUID


async def _check(conn: asyncpg.Connection, principal: Principal, owner: Owner) -> None:
    """Who manages a feed URL: an admin, the person for their own (anyone else: 404, as for
    their calendar), and the group's facilitator for the group's (404 for who may not see
    the group, 403 for its members)."""
    if owner.kind == "person":
        await people.get(conn, principal.org_id, owner.id)
        own = narrowed_to(principal)
        if own is not None and own != owner.id:
            raise NotFound(f"No person {owner.id}.")
        return
    group = await groups.visible(conn, principal, owner.id, field="path.group_id")
    check_facilitates(
        principal,
        group.facilitator_id,
        refusal="Only the group's facilitator (or an admin) may manage its calendar feed URL.",
    )


async def read(conn: asyncpg.Connection, principal: Principal, owner: Owner) -> CalendarFeed:
    await _check(conn, principal, owner)
    live = await repository.live(conn, principal.org_id, owner.kind, owner.id)
    return CalendarFeed(owner_kind=owner.kind, owner_id=owner.id, live=live)


async def issue(
    conn: asyncpg.Connection, principal: Principal, owner: Owner, *, base: str
) -> IssuedFeedUrl:
    """A new feed URL; the owner's live one, if any, opens nothing from this commit on (it is
    rotated)."""
    await _check(conn, principal, owner)
    org_id, by = principal.org_id, principal.subject
    await repository.revoke(conn, org_id, owner.kind, owner.id, by=by, because="rotated")
    token = capabilities.new_token()
    token_hash = capabilities.digest(token)
    assert token_hash is not None
    feed = await repository.create(conn, org_id, owner.kind, owner.id, token_hash=token_hash, by=by)
    url = rules.feed_url(base, token)
    return IssuedFeedUrl(**msgspec.structs.asdict(feed), url=url, webcal_url=rules.webcal_url(url))


async def revoke(conn: asyncpg.Connection, principal: Principal, owner: Owner) -> None:
    """The owner's live URL, if any, opens nothing from this commit on."""
    await _check(conn, principal, owner)
    org_id, by = principal.org_id, principal.subject
    await repository.revoke(conn, org_id, owner.kind, owner.id, by=by, because="revoked")


@dataclass(frozen=True, slots=True)
class Polled:
    """A poll's answer: the calendar (``None``: 304, the client's copy is current), its ETag
    and its ``Last-Modified`` when it may carry one."""

    body: bytes | None
    tag: str
    last_modified: datetime | None


async def _calendar(conn: asyncpg.Connection, holder: Holder) -> bytes:
    if holder.owner_kind == "person":
        return await sessions.person_feed(conn, holder.org_id, holder.owner_id)
    group = await groups.find(conn, holder.org_id, holder.owner_id)
    return await sessions.group_feed(conn, holder.org_id, group.id, name=group.name)


async def poll(
    pool: asyncpg.Pool,
    token: str,
    *,
    admit: Admit,
    if_none_match: str | None,
    if_modified_since: str | None,
) -> Polled:
    """The calendar a feed URL opens, in the tenant of its row; 404 for any token that opens
    nothing. The poll takes its rate-limit units once the feed is known (``admit``)."""
    token_hash = capabilities.digest(token)
    if token_hash is None:
        raise NotFound(UNKNOWN)
    async with transaction(pool, org_id=None) as conn:
        holder = await repository.holder(conn, token_hash)
        if holder is None:
            raise NotFound(UNKNOWN)
        admit(holder.org_id, holder.id)
        await repository.enter(conn, holder.org_id)
        body = await _calendar(conn, holder)
        tag = tag_of(body)
        if tag == holder.content_tag:
            changed = holder.content_changed_at
        elif (changed := await repository.served(conn, holder.org_id, holder.id, tag)) is None:
            raise NotFound(UNKNOWN)
    modified = rules.last_modified(changed, now=datetime.now(UTC))
    unchanged = rules.unchanged_since(
        if_none_match=if_none_match,
        if_modified_since=if_modified_since,
        modified=modified if tag == holder.content_tag else None,  # a date of this very tag
    )
    return Polled(body=None if unchanged else body, tag=tag, last_modified=modified)
