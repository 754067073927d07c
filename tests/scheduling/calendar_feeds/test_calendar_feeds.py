"""Calendar feed URLs through the API: made by who may, polled without any header, cheap to
poll again (ETag, Last-Modified, 304), dead at once when rotated or revoked."""

from __future__ import annotations

import asyncio
import uuid
from email.utils import parsedate_to_datetime

import httpx
from icalendar import Calendar

from services.kit.capabilities import digest, new_token
from tests.conftest import Token
from tests.scheduling.calendar_feeds.support import issued, path_of
from tests.scheduling.sessions.support import facilitator, make_group, participant, plan_one


def _problem_404(response: httpx.Response) -> dict:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["cache-control"] == "no-store"
    body: dict = response.json()
    return body


async def _until_next_second() -> None:
    """Feeds keep their change moments in whole seconds: let one pass."""
    await asyncio.sleep(1.05)


async def test_a_person_polls_their_feed_url_without_any_header(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    member = group.member_ids[0]
    session = await plan_one(scheduling, auth("admin"), group)
    me = participant(auth, member)

    feed = await issued(scheduling, me, f"people/{member}")
    assert feed["url"].startswith("http://scheduling/v1/calendar-feeds/kcap_")
    assert feed["url"].endswith("/calendar.ics")
    assert feed["webcal_url"] == "webcal://" + feed["url"].removeprefix("http://")
    token = path_of(feed["url"]).split("/")[3]
    assert len(token) == len("kcap_") + 43 and digest(token) is not None

    polled = await scheduling.get(path_of(feed["url"]))
    assert polled.status_code == 200, polled.text
    assert polled.headers["content-type"].startswith("text/calendar")
    assert polled.headers["cache-control"] == "private, no-cache"
    assert polled.headers["etag"].startswith('"')
    assert parsedate_to_datetime(polled.headers["last-modified"]).tzinfo is not None
    assert "ratelimit" in polled.headers
    own = await scheduling.get(f"/v1/people/{member}/calendar.ics", headers=me)
    assert polled.content == own.content
    (event,) = Calendar.from_ical(polled.content).walk("VEVENT")
    assert str(event["UID"]) == f"{session['id']}@scheduling.kring"

    kept = await scheduling.get(f"/v1/people/{member}/calendar-feed", headers=me)
    assert kept.status_code == 200 and token not in kept.text
    assert (kept.json()["owner_kind"], kept.json()["owner_id"]) == ("person", str(member))
    live = kept.json()["live"]
    assert live["id"] == feed["id"] and "url" not in live
    assert live["content_changed_at"] is not None


async def test_a_poll_is_304_until_the_feed_changes(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group = await make_group(scheduling, auth)
    session = await plan_one(scheduling, auth("admin"), group)
    url = path_of((await issued(scheduling, facilitator(auth, group), f"groups/{group.id}"))["url"])
    first = await scheduling.get(url)
    assert first.status_code == 200
    await _until_next_second()
    tag, modified = first.headers["etag"], first.headers["last-modified"]

    by_tag = await scheduling.get(url, headers={"if-none-match": tag})
    assert (by_tag.status_code, by_tag.content, by_tag.headers["etag"]) == (304, b"", tag)
    by_date = await scheduling.get(url, headers={"if-modified-since": modified})
    assert (by_date.status_code, by_date.content, by_date.headers["etag"]) == (304, b"", tag)
    assert by_date.headers["last-modified"] == modified
    # If-None-Match wins: a tag that is not current is a 200, whatever the date says.
    both = await scheduling.get(
        url, headers={"if-none-match": '"x"', "if-modified-since": modified}
    )
    assert both.status_code == 200
    # A date that does not read is ignored.
    assert (await scheduling.get(url, headers={"if-modified-since": "soon"})).status_code == 200

    moved = await scheduling.post(
        f"/v1/sessions/{session['id']}/reschedule",
        json={"start": "2025-01-21T19:00", "end": "2025-01-21T21:30", "reason": "Zieke"},
        headers=auth("admin"),
    )
    assert moved.status_code == 200, moved.text
    changed = await scheduling.get(url, headers={"if-none-match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    assert b"SEQUENCE:1" in changed.content
    since = await scheduling.get(url, headers={"if-modified-since": modified})
    assert since.status_code == 200
    later = changed.headers.get("last-modified")
    assert later is None or parsedate_to_datetime(later) > parsedate_to_datetime(modified)


async def test_a_change_within_the_second_never_passes_for_the_copy_held(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """Two changes in one second: the copy served in between is not taken for the last one."""
    group = await make_group(scheduling, auth)
    url = path_of((await issued(scheduling, auth("admin"), f"groups/{group.id}"))["url"])
    copies = []
    for n in range(3):
        await plan_one(scheduling, auth("admin"), group, start=f"2025-03-0{n + 1}T19:00",
                       end=f"2025-03-0{n + 1}T21:00")  # fmt: skip
        copies.append(await scheduling.get(url))
    dates = [c.headers.get("last-modified") for c in copies]
    assert len({c.headers["etag"] for c in copies}) == 3
    for copy, date in zip(copies[:-1], dates[:-1], strict=True):
        if date is not None:
            again = await scheduling.get(url, headers={"if-modified-since": date})
            assert again.status_code == 200, (dates, copy.headers)
    sent = [parsedate_to_datetime(d) for d in dates if d is not None]
    assert sent == sorted(set(sent))


async def test_rotation_kills_the_old_url_at_once(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """Issuing a URL again rotates it: the old one is a 404 at once, as a token that never
    was or is no token at all, with nothing to tell them apart."""
    group = await make_group(scheduling, auth)
    owner = f"groups/{group.id}"
    old = await issued(scheduling, auth("admin"), owner)
    assert (await scheduling.get(path_of(old["url"]))).status_code == 200

    new = await issued(scheduling, facilitator(auth, group), owner)
    assert new["url"] != old["url"] and new["id"] != old["id"]
    gone = _problem_404(await scheduling.get(path_of(old["url"])))
    never = _problem_404(await scheduling.get(f"/v1/calendar-feeds/{new_token()}/calendar.ics"))
    malformed = _problem_404(await scheduling.get("/v1/calendar-feeds/nothing/calendar.ics"))
    assert gone["detail"] == never["detail"] == malformed["detail"]
    assert {k for k in gone if k not in ("instance", "request_id")} == {
        k for k in never if k not in ("instance", "request_id")
    }
    assert (await scheduling.get(path_of(new["url"]))).status_code == 200
    kept = await scheduling.get(f"/v1/{owner}/calendar-feed", headers=auth("admin"))
    assert kept.json()["live"]["id"] == new["id"]


async def test_a_revoked_url_opens_nothing(scheduling: httpx.AsyncClient, auth: Token) -> None:
    group = await make_group(scheduling, auth)
    member = group.member_ids[1]
    owner, me = f"people/{member}", participant(auth, member)
    feed = await issued(scheduling, me, owner)
    for _ in range(2):  # revoking what is revoked changes nothing
        revoked = await scheduling.delete(f"/v1/{owner}/calendar-feed", headers=me)
        assert revoked.status_code == 204
    _problem_404(await scheduling.get(path_of(feed["url"])))
    none = await scheduling.get(f"/v1/{owner}/calendar-feed", headers=me)
    assert (none.status_code, none.json()["live"]) == (200, None)
    renewed = await issued(scheduling, me, owner)
    assert (await scheduling.get(path_of(renewed["url"]))).status_code == 200


async def test_who_may_manage_a_feed_url(scheduling: httpx.AsyncClient, auth: Token) -> None:
    """A person manages their own (anyone else: 404, as for their calendar); a group's
    facilitator their group's (a facilitator of another group: 404); a participant no group's
    (the policy refuses the role, 403, whichever group it names)."""
    mine = await make_group(scheduling, auth)
    theirs = await make_group(scheduling, auth)
    member, other = mine.member_ids[0], mine.member_ids[1]
    me = participant(auth, member)
    cases = [
        (me, f"people/{other}", 404),
        (facilitator(auth, mine), f"people/{member}", 404),
        (me, f"groups/{mine.id}", 403),
        (me, f"groups/{theirs.id}", 403),
        (facilitator(auth, mine), f"groups/{theirs.id}", 404),
        (auth("hr"), f"people/{member}", 403),
        (auth("admin"), f"people/{uuid.uuid4()}", 404),
        (auth("admin"), f"groups/{uuid.uuid4()}", 404),
    ]
    for headers, owner, status in cases:
        for method in ("POST", "GET", "DELETE"):
            response = await scheduling.request(
                method, f"/v1/{owner}/calendar-feed", headers=headers
            )
            assert response.status_code == status, (owner, method, response.text)
    await issued(scheduling, facilitator(auth, mine), f"groups/{mine.id}")
    await issued(scheduling, me, f"people/{member}")


async def test_another_tenants_url_and_token_reach_nothing_here(
    scheduling: httpx.AsyncClient, auth: Token, token_for: Token
) -> None:
    """A feed URL shows its own tenant's calendar whatever token comes with it, and another
    tenant's admin can neither see nor end it."""
    group = await make_group(scheduling, auth)
    await plan_one(scheduling, auth("admin"), group)
    feed = await issued(scheduling, auth("admin"), f"groups/{group.id}")
    stranger = token_for(uuid.uuid4(), "admin")
    for method in ("GET", "POST", "DELETE"):
        response = await scheduling.request(
            method, f"/v1/groups/{group.id}/calendar-feed", headers=stranger
        )
        assert response.status_code == 404, method
    polled = await scheduling.get(path_of(feed["url"]), headers=stranger)
    assert polled.status_code == 200
    own = await scheduling.get(f"/v1/groups/{group.id}/calendar.ics", headers=auth("admin"))
    assert polled.content == own.content
    assert len(Calendar.from_ical(polled.content).walk("VEVENT")) == 1
