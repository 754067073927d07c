"""Who joins and leaves a group is announced, with whose employee they are, in the
transaction of the change; a refused change announces nothing."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.people.support import put_organisation
from tests.scheduling.sessions.support import events, make_group
from tests.scheduling.support import person

SHOW_ALL: frozenset[str] = frozenset()


async def test_joining_and_leaving_are_announced(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    employer = await put_organisation(scheduling, auth, "org-join")
    anna = await person(scheduling, auth, "anna-join", employer_id=employer["id"])
    group = await make_group(scheduling, auth, members=1, name="Intervisie Zuid")
    added = await scheduling.post(
        f"/v1/groups/{group.id}/members", json={"person_id": anna["id"]}, headers=auth()
    )
    assert added.status_code in (200, 201), added.text
    path = f"/v1/groups/{group.id}/members/{anna['id']}/leave"
    assert (await scheduling.post(path, headers=auth())).status_code == 200
    again = await scheduling.post(path, headers=auth())
    assert again.status_code == 404, "not a member any more: nothing to announce"
    unknown = await scheduling.post(
        f"/v1/groups/{group.id}/members", json={"person_id": str(uuid.uuid4())}, headers=auth()
    )
    assert unknown.status_code == 404

    items, _ = await events(scheduling, auth, expect=3, hide=SHOW_ALL)
    assert [e["type"] for e in items] == [
        "group.member_added",
        "group.member_added",
        "group.member_left",
    ]
    assert {e["aggregate_id"] for e in items} == {str(group.id)}
    joined, left = items[1]["data"], items[2]["data"]
    assert joined["person_id"] == left["person_id"] == anna["id"]
    assert joined["employer_id"] == left["employer_id"] == employer["id"]
    assert (joined["group_name"], joined["members"], left["members"]) == ("Intervisie Zuid", 2, 1)
    assert joined["joined_at"] == added.json()["members"][-1]["joined_at"]
    assert left["left_at"] >= joined["joined_at"]
    assert items[0]["data"]["employer_id"] is None
