"""Groups through the HTTP API: every rule refused with the rule's name, warnings returned."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.support import AGREEMENT, facilitator, group, person, rules_of


async def join(
    client: httpx.AsyncClient, auth: Token, group_id: str, person_id: str
) -> httpx.Response:
    return await client.post(
        f"/v1/groups/{group_id}/members", json={"person_id": person_id}, headers=auth()
    )


async def test_a_new_group_warns_it_is_below_its_minimum(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    created = await group(scheduling, auth)
    assert created["agreement"]["version"] == 1
    assert created["size"] == {"min": 6, "max": 10, "recommended": 8}
    assert [w["rule"] for w in created["warnings"]] == ["min_size"]


async def test_facilitator_cannot_be_a_member(scheduling: httpx.AsyncClient, auth: Token) -> None:
    fac = await facilitator(scheduling, auth)
    g = await group(scheduling, auth, facilitator=fac)
    response = await join(scheduling, auth, g["id"], fac["id"])
    assert response.status_code == 422
    assert rules_of(response) == ["facilitator_not_member"]


async def test_a_full_group_refuses_a_member(scheduling: httpx.AsyncClient, auth: Token) -> None:
    g = await group(scheduling, auth, size={"min": 2, "max": 3, "recommended": 3})
    for i in range(3):
        assert (
            await join(scheduling, auth, g["id"], (await person(scheduling, auth, f"m{i}"))["id"])
        ).status_code == 201
    response = await join(scheduling, auth, g["id"], (await person(scheduling, auth, "m3"))["id"])
    assert response.status_code == 422
    assert rules_of(response) == ["max_size"]


async def test_no_hierarchy_at_any_depth(scheduling: httpx.AsyncClient, auth: Token) -> None:
    director = await person(scheduling, auth, "director")
    manager = await person(scheduling, auth, "manager", manager_id=director["id"])
    worker = await person(scheduling, auth, "worker", manager_id=manager["id"])
    peer = await person(scheduling, auth, "peer")
    g = await group(scheduling, auth)
    assert (await join(scheduling, auth, g["id"], worker["id"])).status_code == 201
    assert (await join(scheduling, auth, g["id"], peer["id"])).status_code == 201

    response = await join(scheduling, auth, g["id"], director["id"])  # two levels above worker
    assert response.status_code == 422
    assert rules_of(response) == ["no_hierarchy"]
    assert worker["id"] in response.json()["errors"][0]["message"]


async def test_joining_twice_is_a_conflict(scheduling: httpx.AsyncClient, auth: Token) -> None:
    g = await group(scheduling, auth)
    member = await person(scheduling, auth, "twice")
    assert (await join(scheduling, auth, g["id"], member["id"])).status_code == 201
    response = await join(scheduling, auth, g["id"], member["id"])
    assert response.status_code == 409
    assert rules_of(response) == ["already_member"]


async def test_size_policy_must_be_ordered(scheduling: httpx.AsyncClient, auth: Token) -> None:
    fac = await facilitator(scheduling, auth)
    response = await scheduling.post(
        "/v1/groups",
        json={
            "name": "X",
            "facilitator_id": fac["id"],
            "mode": "online",
            "agreement": AGREEMENT,
            "size": {"min": 8, "max": 6, "recommended": 7},
        },
        headers=auth(),
    )
    assert response.status_code == 422
    assert rules_of(response) == ["size_policy"]


async def test_unknown_facilitator_and_method_are_404_naming_the_field(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    not_a_facilitator = await person(scheduling, auth, "plain")
    body = {
        "name": "X",
        "facilitator_id": not_a_facilitator["id"],
        "mode": "online",
        "agreement": AGREEMENT,
    }
    response = await scheduling.post("/v1/groups", json=body, headers=auth())
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.facilitator_id"

    fac = await facilitator(scheduling, auth)
    body = {**body, "facilitator_id": fac["id"], "default_method_id": str(uuid.uuid4())}
    response = await scheduling.post("/v1/groups", json=body, headers=auth())
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "body.default_method_id"


async def test_a_member_counts_after_consent_and_accepting_the_current_agreement(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    g = await group(scheduling, auth)
    member = await person(scheduling, auth, "counter")
    await join(scheduling, auth, g["id"], member["id"])
    me = auth("participant", person=member["id"])
    base = f"/v1/groups/{g['id']}/members/{member['id']}"

    refused = await scheduling.post(f"{base}/consent", json={"voluntary": False}, headers=me)
    assert refused.status_code == 422
    assert rules_of(refused) == ["voluntary"]

    consented = await scheduling.post(f"{base}/consent", json={"voluntary": True}, headers=me)
    assert consented.status_code == 200
    assert consented.json()["members"][0]["counts"] is False

    wrong_version = await scheduling.post(
        f"{base}/acceptance", json={"agreement_version": 2}, headers=me
    )
    assert wrong_version.status_code == 422
    assert rules_of(wrong_version) == ["current_agreement"]

    accepted = await scheduling.post(
        f"{base}/acceptance", json={"agreement_version": 1}, headers=me
    )
    assert accepted.json()["members"][0]["counts"] is True
    assert "consent_missing" not in [w["rule"] for w in accepted.json()["warnings"]]

    revised = await scheduling.post(
        f"/v1/groups/{g['id']}/agreements", json=AGREEMENT, headers=auth()
    )
    assert revised.status_code == 201
    assert revised.json()["agreement"]["version"] == 2
    assert revised.json()["members"][0]["counts"] is False
    assert "agreement_not_accepted" in [w["rule"] for w in revised.json()["warnings"]]


async def test_consent_is_the_members_own(scheduling: httpx.AsyncClient, auth: Token) -> None:
    g = await group(scheduling, auth)
    member = await person(scheduling, auth, "own")
    other = await person(scheduling, auth, "other")
    await join(scheduling, auth, g["id"], member["id"])
    response = await scheduling.post(
        f"/v1/groups/{g['id']}/members/{member['id']}/consent",
        json={"voluntary": True},
        headers=auth("participant", person=other["id"]),
    )
    assert response.status_code == 403


async def test_wide_seniority_spread_is_a_warning_not_a_refusal(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    g = await group(scheduling, auth, seniority_spread_warning_years=10)
    junior = await person(scheduling, auth, "junior", career_started_on="2024-09-01")
    senior = await person(scheduling, auth, "senior", career_started_on="1995-02-01")
    assert (await join(scheduling, auth, g["id"], junior["id"])).status_code == 201
    response = await join(scheduling, auth, g["id"], senior["id"])
    assert response.status_code == 201
    assert "seniority_spread" in [w["rule"] for w in response.json()["warnings"]]


async def test_a_member_who_leaves_no_longer_counts_and_may_rejoin(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    g = await group(scheduling, auth)
    member = await person(scheduling, auth, "leaver")
    await join(scheduling, auth, g["id"], member["id"])
    left = await scheduling.post(
        f"/v1/groups/{g['id']}/members/{member['id']}/leave",
        headers=auth("participant", person=member["id"]),
    )
    assert left.status_code == 200
    assert left.json()["members"] == []
    assert (await join(scheduling, auth, g["id"], member["id"])).status_code == 201


async def test_participants_see_only_their_groups(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    fac = await facilitator(scheduling, auth)
    mine = await group(scheduling, auth, facilitator=fac)
    theirs = await group(scheduling, auth, facilitator=fac)
    member = await person(scheduling, auth, "viewer")
    await join(scheduling, auth, mine["id"], member["id"])
    me = auth("participant", person=member["id"])
    listed = await scheduling.get("/v1/groups", headers=me)
    assert [g["id"] for g in listed.json()["items"]] == [mine["id"]]
    assert (await scheduling.get(f"/v1/groups/{theirs['id']}", headers=me)).status_code == 404
    assert (await scheduling.get(f"/v1/groups/{mine['id']}", headers=me)).status_code == 200


async def test_another_tenants_group_is_404(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    g = await group(scheduling, auth)
    response = await scheduling.get(
        f"/v1/groups/{g['id']}", headers=token_for(uuid.uuid4(), "admin")
    )
    assert response.status_code == 404


async def test_a_facilitator_sees_the_groups_they_facilitate_or_belong_to(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    """One rule for reading a group and for listing groups: an admin sees all; a facilitator
    the groups they facilitate or are a member of, and filters narrow that further (never
    widen it). Changing another's group is a 403."""
    fac = await facilitator(scheduling, auth, "fac-a")
    other = await facilitator(scheduling, auth, "fac-b")
    mine = await group(scheduling, auth, facilitator=fac)
    theirs = await group(scheduling, auth, facilitator=other)
    joined = await group(scheduling, auth, facilitator=other)
    assert (await join(scheduling, auth, joined["id"], fac["id"])).status_code == 201
    me = auth("facilitator", person=fac["id"])

    for params, expected in (
        ({}, [mine["id"], joined["id"]]),
        ({"facilitator_id": other["id"]}, [joined["id"]]),
        ({"facilitator_id": fac["id"]}, [mine["id"]]),
        ({"person_id": fac["id"]}, [joined["id"]]),
        ({"person_id": other["id"]}, []),
    ):
        listed = await scheduling.get("/v1/groups", params=params, headers=me)
        assert [g["id"] for g in listed.json()["items"]] == expected, params
    assert (await scheduling.get(f"/v1/groups/{theirs['id']}", headers=me)).status_code == 404
    assert (await scheduling.get(f"/v1/groups/{joined['id']}", headers=me)).status_code == 200
    revised = await scheduling.post(
        f"/v1/groups/{theirs['id']}/agreements", json=AGREEMENT, headers=me
    )
    assert revised.status_code == 404  # another facilitator's group: as if none (ADR 0080)
    everyone = await scheduling.get("/v1/groups", headers=auth())
    assert [g["id"] for g in everyone.json()["items"]] == [mine["id"], theirs["id"], joined["id"]]
