"""Scheduling's row scopes (``services/scheduling/policy.py``, ADR 0080), from one organisation
with two facilitators, two client organisations and their people in both facilitators'
groups: every list and feed holds no row outside the caller's scope, and a row outside it is
a 404 exactly like one that does not exist."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import Token
from tests.flow.support import eventually
from tests.kit.support import subscribe
from tests.scheduling.people.support import put_organisation
from tests.scheduling.sessions import support as sessions
from tests.scheduling.support import facilitator, person, read_all


@dataclass(frozen=True)
class Organisation:
    """Client organisations ``c1``, ``c2``; facilitators ``f1`` (of ``g1``), ``f2`` (of
    ``g2``); ``a1``, ``a2`` employed by ``c1`` and ``b1``, ``b2`` by ``c2``, group ``g1``
    holding ``a1`` and ``b1``, ``g2`` holding ``a2`` and ``b2``; a session of each group."""

    ids: dict[str, str]
    external: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture
async def made(scheduling: httpx.AsyncClient, auth: Token) -> Organisation:
    ids: dict[str, str] = {}
    external: dict[str, str] = {}
    for key in ("c1", "c2"):
        ids[key] = (await put_organisation(scheduling, auth, f"client-{key}"))["id"]
    for key in ("f1", "f2"):
        ids[key] = (await facilitator(scheduling, auth, f"fac-{key}"))["id"]
    for key, employer, register in (
        ("a1", "c1", "SKJ"),
        ("a2", "c1", "NIP"),
        ("b1", "c2", "SKJ"),
        ("b2", "c2", "NIP"),
    ):
        registrations = [{"register": register, "number": f"{register}-{key}"}]
        made = await person(
            scheduling, auth, f"emp-{key}", employer_id=ids[employer], registrations=registrations
        )
        ids[key], external[key] = made["id"], made["external_id"]
    for n in ("1", "2"):
        group = await sessions.make_group(
            scheduling,
            auth,
            members=0,
            member_ids=[uuid.UUID(ids[f"a{n}"]), uuid.UUID(ids[f"b{n}"])],
            facilitator_id=uuid.UUID(ids[f"f{n}"]),
        )
        ids[f"g{n}"] = str(group.id)
        ids[f"s{n}"] = (await sessions.plan_one(scheduling, auth("admin"), group))["id"]
    return Organisation(ids=ids, external=external)


async def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, (answer.request.url, answer.text)
    return answer.json()


async def _ids(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], key: str = "id", **query: str
) -> set[str]:
    page = await _ok(await client.get(path, params=query, headers=headers))
    assert page["next_cursor"] is None, "the fixture fits on one page"
    return {item[key] for item in page["items"]}


async def test_a_facilitator_reaches_only_the_groups_it_facilitates(
    scheduling: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    me = auth("facilitator", person=made["f1"])
    lists = {
        ("/v1/groups", ()): {made["g1"]},
        ("/v1/groups", (("facilitator_id", made["f2"]),)): set(),
        ("/v1/sessions", ()): {made["s1"]},
        ("/v1/sessions", (("group_id", made["g2"]),)): set(),
        # `person_id` is the caller's own for anyone but an admin (listSessions' description)
        ("/v1/sessions", (("person_id", made["a2"]),)): {made["s1"]},
        ("/v1/people", ()): {made["f1"], made["a1"], made["b1"]},
        ("/v1/people", (("employer_id", made["c2"]),)): {made["b1"]},
    }
    for (path, query), expected in lists.items():
        assert await _ids(scheduling, path, me, **dict(query)) == expected, (path, query)
    assert await _ids(scheduling, "/v1/facilitators", me, key="person_id") == {made["f1"]}

    def reads(n: str) -> list[str]:
        g, session, member, fac = made[f"g{n}"], made[f"s{n}"], made[f"a{n}"], made[f"f{n}"]
        return [
            f"/v1/groups/{g}",
            f"/v1/groups/{g}/calendar.ics",
            f"/v1/groups/{g}/calendar-feed",
            f"/v1/sessions/{session}",
            f"/v1/sessions/{session}/changes",
            f"/v1/sessions/{session}/proof",
            f"/v1/people/{member}",
            f"/v1/people/by-external-id/{made.external[f'a{n}']}",
            f"/v1/facilitators/{fac}",
        ]

    for theirs, mine in zip(reads("2"), reads("1"), strict=True):
        answer = await scheduling.get(theirs, headers=me)
        assert answer.status_code == 404, (theirs, answer.text)
        answer = await scheduling.get(mine, headers=me)
        assert answer.status_code == 200, (mine, answer.text)
    # A person's calendar is theirs alone (an admin's too), a member's as another facilitator's.
    for member in ("a1", "a2"):
        calendar = f"/v1/people/{made[member]}/calendar.ics"
        assert (await scheduling.get(calendar, headers=me)).status_code == 404, member

    changes = [
        ("POST", f"/v1/sessions/{made['s2']}/cancel", {"reason": "Ziek"}),
        ("PUT", f"/v1/sessions/{made['s2']}/attendance/{made['a2']}", {"status": "present"}),
        ("POST", f"/v1/groups/{made['g2']}/members", {"person_id": made["a1"]}),
        ("POST", f"/v1/groups/{made['g2']}/members/{made['a2']}/leave", None),
        ("POST", f"/v1/groups/{made['g2']}/agreements", sessions.AGREEMENT),
        (
            "POST",
            "/v1/sessions",
            {"group_id": made["g2"], "start": "2025-02-04T19:00", "end": "2025-02-04T21:00"},
        ),
    ]
    for method, path, body in changes:
        answer = await scheduling.request(method, path, json=body, headers=me)
        assert answer.status_code == 404, (method, path, answer.text)
    # It still adds a person to its own group, by the id an admin (or HR) gave it.
    invited = (await person(scheduling, auth, "invited", employer_id=made["c2"]))["id"]
    assert (await scheduling.get(f"/v1/people/{invited}", headers=me)).status_code == 404
    added = await scheduling.post(
        f"/v1/groups/{made['g1']}/members", json={"person_id": invited}, headers=me
    )
    assert added.status_code == 201, added.text
    assert (await scheduling.get(f"/v1/people/{invited}", headers=me)).status_code == 200
    assert invited in await _ids(scheduling, "/v1/people", me)


async def test_a_participant_reaches_its_own_records_and_its_groups_sessions(
    scheduling: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    me = auth("participant", person=made["a1"])
    assert await _ids(scheduling, "/v1/groups", me) == {made["g1"]}
    assert await _ids(scheduling, "/v1/sessions", me) == {made["s1"]}
    assert (await scheduling.get(f"/v1/facilitators/{made['f1']}", headers=me)).status_code == 200
    for path in (
        f"/v1/people/{made['b1']}",
        f"/v1/sessions/{made['s2']}",
        f"/v1/groups/{made['g2']}",
        f"/v1/facilitators/{made['f2']}",
    ):
        assert (await scheduling.get(path, headers=me)).status_code == 404, path
    assert (await scheduling.get(f"/v1/people/{made['a1']}", headers=me)).status_code == 200


async def test_an_hr_client_reaches_only_its_client_organisations_people(
    scheduling: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    me = auth("hr", client_org=made["c1"])
    ours, theirs = {made["a1"], made["a2"]}, {made["b1"], made["b2"]}
    assert await _ids(scheduling, "/v1/people", me) == ours
    assert await _ids(scheduling, "/v1/people", me, employer_id=made["c2"]) == set()
    assert await _ids(scheduling, "/v1/client-organisations", me) == {made["c1"]}
    for path in (
        f"/v1/people/{made['b1']}",
        f"/v1/people/by-external-id/{made.external['b1']}",
        f"/v1/client-organisations/{made['c2']}",
    ):
        assert (await scheduling.get(path, headers=me)).status_code == 404, path

    async def feed() -> list[dict[str, Any]] | None:
        # A feed holds back events while older transactions (any tenant's) may still commit.
        events = await read_all(scheduling, me, limit=50)
        return events if len(events) == 4 else None

    events = await eventually(feed, seconds=30)
    assert events, "its people's two joins and their two sessions"
    seen = json.dumps(events)
    for hidden in (*theirs, made.external["b1"], "Emp-B1", "SKJ-b1", "NIP-b2"):
        assert hidden not in seen, hidden
    assert {made["a1"], made["a2"]} <= {
        e["data"].get("person_id") for e in events if e["type"] == "group.member_added"
    }


async def test_a_person_outside_an_hr_clients_scope_is_as_unknown_as_none(
    scheduling: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    """Naming another employer's employee as a manager answers what naming nobody does."""
    me = auth("hr", client_org=made["c1"])
    body = {"given_name": "Nieuw", "family_name": "Medewerker", "employer_id": made["c1"]}

    def same(answer: httpx.Response) -> tuple[Any, ...]:
        problem = answer.json()
        return answer.status_code, problem["type"], problem["title"], problem["errors"]

    answers = {}
    for name, manager in (("theirs", made["b1"]), ("nobody", str(uuid.uuid4()))):
        one = await scheduling.put(
            "/v1/people/by-external-id/nieuw", json={**body, "manager_id": manager}, headers=me
        )
        batch = await scheduling.post(
            "/v1/people/batch",
            json={"items": [{**body, "external_id": "nieuw", "manager_id": manager}]},
            headers=me,
        )
        answers[name] = (same(one), same(batch))
    assert answers["theirs"] == answers["nobody"]
    assert answers["theirs"][0][0] == answers["theirs"][1][0] == 404
    own = await scheduling.put(
        "/v1/people/by-external-id/nieuw", json={**body, "manager_id": made["a1"]}, headers=me
    )
    assert own.status_code == 201, own.text


async def test_an_hr_clients_deliveries_are_of_its_people_alone(
    scheduling: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    me = auth("hr", client_org=made["c1"])
    subscription = (await subscribe(scheduling, me, event_types=["person.updated"]))["id"]
    log = f"/v1/webhook-subscriptions/{subscription}/deliveries"
    for key, employer in (("a1", "c1"), ("b1", "c2")):
        moved = {"family_name": "Nieuw", "employer_id": made[employer]}
        await person(scheduling, auth, f"emp-{key}", **moved)

    async def judged() -> list[dict[str, Any]] | None:
        page = await _ok(await scheduling.get(log, headers=auth("admin")))
        items: list[dict[str, Any]] = page["items"]
        sent = [d for d in items if d["status"] != "pending" or d["attempt_log"]]
        return items if len(items) == 2 and len(sent) == 2 else None

    everything = await eventually(judged, seconds=60)
    assert everything, "the relay judged both deliveries"
    by_person = {d["aggregate_id"]: d["status"] for d in everything}
    assert by_person[made["b1"]] == "skipped"
    own = await _ok(await scheduling.get(log, headers=me))
    assert [d["aggregate_id"] for d in own["items"]] == [made["a1"]]
    await scheduling.delete(f"/v1/webhook-subscriptions/{subscription}", headers=me)
