"""What guards a feed URL besides its secret: the database finds a token's tenant only through
one function only scheduling's role may run, row-level security hides every other row, the
rate limits hold per feed, and the token never reaches a log line."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx

from services.kit.capabilities import digest
from services.kit.observability import configure_logging
from services.kit.settings import Settings
from tests.conftest import Token, _client
from tests.scheduling.calendar_feeds.support import issued, path_of


async def _as(database_url: str, role: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scheduling"})
    await conn.execute(f'SET ROLE "{role}"')
    return conn


async def _person_feed(client: httpx.AsyncClient, auth: Token) -> tuple[str, dict]:
    person = await client.put(
        f"/v1/people/by-external-id/feed-{uuid.uuid4().hex[:8]}",
        json={"given_name": "Femke", "family_name": "Feed"},
        headers=auth("admin"),
    )
    assert person.status_code == 201, person.text
    person_id = person.json()["id"]
    return person_id, await issued(client, auth("admin"), f"people/{person_id}")


async def test_only_the_lookup_function_finds_a_token_before_the_tenant(
    scheduling: httpx.AsyncClient, auth: Token, org: uuid.UUID, database_url: str
) -> None:
    person_id, feed = await _person_feed(scheduling, auth)
    token_hash = digest(path_of(feed["url"]).split("/")[3])
    conn = await _as(database_url, "kring_scheduling")
    try:
        async with conn.transaction():
            assert await conn.fetchval("SELECT count(*) FROM calendar_feeds") == 0
            (found,) = await conn.fetch("SELECT * FROM calendar_feed_holder($1)", token_hash)
            assert (found["org_id"], str(found["owner_id"])) == (org, person_id)
            assert await conn.fetch("SELECT * FROM calendar_feed_holder($1)", b"\0" * 32) == []
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.org_id', $1, true)", str(uuid.uuid4()))
            assert await conn.fetchval("SELECT count(*) FROM calendar_feeds") == 0
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.org_id', $1, true)", str(org))
            assert await conn.fetchval("SELECT token_hash FROM calendar_feeds") == token_hash
    finally:
        await conn.close()

    rotated = await issued(scheduling, auth("admin"), f"people/{person_id}")
    assert path_of(rotated["url"]) != path_of(feed["url"])
    conn = await _as(database_url, "kring_scheduling")
    try:
        assert await conn.fetch("SELECT * FROM calendar_feed_holder($1)", token_hash) == []
    finally:
        await conn.close()

    admin = await asyncpg.connect(database_url)
    try:
        may = (
            "SELECT has_function_privilege($1, 'scheduling.calendar_feed_holder(bytea)', 'EXECUTE')"
        )
        assert await admin.fetchval(may, "kring_scheduling")
        assert not await admin.fetchval(may, "kring_invoicing")
        assert not await admin.fetchval(may, "public")
    finally:
        await admin.close()


async def test_polls_are_limited_per_feed_and_the_token_is_never_logged(
    settings_for: Callable[..., Settings], token_for: Token, tmp_path: Path
) -> None:
    """A client quota of 3: the feed's fourth poll is a 429, while its tenant's other clients
    go on. The request log, at info, shows every poll's path without its token."""
    log = tmp_path / "scheduling.log"
    settings = settings_for("scheduling", log_level="info", rate_limit_client=3)
    tenant = uuid.uuid4()

    def auth(*roles: str, **claims: str) -> dict[str, str]:
        return token_for(tenant, *roles, **claims)

    original = sys.stderr
    with log.open("w", buffering=1) as stream:
        sys.stderr = stream
        try:
            async for client in _client(settings, "scheduling"):
                _, feed = await _person_feed(client, auth)
                url = path_of(feed["url"])
                answers = [await client.get(url) for _ in range(4)]
                other = await client.get("/v1/groups", headers=auth("admin", subject="other"))
        finally:
            sys.stderr = original
            configure_logging(service="scheduling", fmt="json", level="warning")
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["rule"] for e in refused.json()["errors"]] == ["rate_limit.client"]
    assert int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 200

    token = url.split("/")[3]
    text = log.read_text()
    polls = [
        line
        for line in text.splitlines()
        if '"event":"http_request"' in line and "/v1/calendar-feeds/" in line
    ]
    assert len(polls) == 4, text
    assert all('"path":"/v1/calendar-feeds/[redacted]/calendar.ics"' in line for line in polls)
    assert token not in text
