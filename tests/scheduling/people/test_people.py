"""Client organisations and people through the HTTP API, on the real database."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.people.support import put_organisation
from tests.scheduling.support import facilitator, person, rules_of


async def test_upsert_person_is_idempotent(scheduling: httpx.AsyncClient, auth: Token) -> None:
    employer = await put_organisation(scheduling, auth)
    body = {
        "given_name": "Anna",
        "family_name": "de Vries",
        "email": "anna@example.nl",
        "employer_id": employer["id"],
    }

    first = await scheduling.put("/v1/people/by-external-id/hr-1", json=body, headers=auth("admin"))
    second = await scheduling.put(
        "/v1/people/by-external-id/hr-1", json=body, headers=auth("admin")
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert first.json()["employer_id"] == employer["id"]


async def test_upsert_changes_move_updated_at(scheduling: httpx.AsyncClient, auth: Token) -> None:
    body = {"given_name": "Anna", "family_name": "de Vries"}
    first = (
        await scheduling.put("/v1/people/by-external-id/hr-2", json=body, headers=auth("admin"))
    ).json()
    changed = await scheduling.put(
        "/v1/people/by-external-id/hr-2",
        json={**body, "family_name": "Jansen"},
        headers=auth("admin"),
    )
    assert changed.status_code == 200
    assert changed.json()["id"] == first["id"]
    assert changed.json()["family_name"] == "Jansen"
    assert changed.json()["updated_at"] > first["updated_at"]


async def test_unknown_employer_is_a_404_naming_the_field(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/hr-3",
        json={"given_name": "A", "family_name": "B", "employer_id": str(uuid.uuid4())},
        headers=auth("admin"),
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == [
        {"field": "body.employer_id", "rule": "exists", "message": "no such client organisation"}
    ]


async def test_validation_error_names_field_and_rule(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/hr-4",
        json={"given_name": "A", "family_name": 7},
        headers=auth("admin"),
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "urn:kring:problem:validation"
    assert problem["errors"][0]["field"] == "body.family_name"
    assert problem["errors"][0]["rule"] == "type"


async def test_unknown_fields_are_refused_not_dropped(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/hr-5",
        json={"given_name": "A", "family_name": "B", "bsn": "123456782"},
        headers=auth("admin"),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["rule"] == "unknown_field"


async def test_another_tenants_person_is_a_404(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    created = await scheduling.put(
        "/v1/people/by-external-id/hr-6",
        json={"given_name": "A", "family_name": "B"},
        headers=auth("admin"),
    )
    other_tenant = token_for(uuid.uuid4(), "admin")
    response = await scheduling.get(f"/v1/people/{created.json()['id']}", headers=other_tenant)
    assert response.status_code == 404
    listed = await scheduling.get("/v1/people", headers=other_tenant)
    assert listed.json()["items"] == []


async def test_hr_client_sees_and_writes_only_its_own_employees(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    own = await put_organisation(scheduling, auth, "own")
    other = await put_organisation(scheduling, auth, "other")
    hr = auth("hr", client_org=own["id"])

    mine = await scheduling.put(
        "/v1/people/by-external-id/e-1", json={"given_name": "A", "family_name": "B"}, headers=hr
    )
    assert mine.status_code == 201
    assert mine.json()["employer_id"] == own["id"]

    refused = await scheduling.put(
        "/v1/people/by-external-id/e-2",
        json={"given_name": "A", "family_name": "B", "employer_id": other["id"]},
        headers=hr,
    )
    assert refused.status_code == 403

    theirs = await scheduling.put(
        "/v1/people/by-external-id/e-3",
        json={"given_name": "C", "family_name": "D", "employer_id": other["id"]},
        headers=auth("admin"),
    )
    assert (
        await scheduling.get(f"/v1/people/{theirs.json()['id']}", headers=hr)
    ).status_code == 404
    listed = await scheduling.get("/v1/people", headers=hr)
    assert [p["external_id"] for p in listed.json()["items"]] == ["e-1"]

    # Nor may it take over another organisation's person by reusing their external id.
    takeover = await scheduling.put(
        "/v1/people/by-external-id/e-3", json={"given_name": "X", "family_name": "Y"}, headers=hr
    )
    assert takeover.status_code == 403
    assert takeover.json()["errors"][0]["rule"] == "own_organisation"
    kept = await scheduling.get(f"/v1/people/{theirs.json()['id']}", headers=auth("admin"))
    assert kept.json()["given_name"] == "C"
    assert kept.json()["employer_id"] == other["id"]


async def test_pagination_walks_every_person_once(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    for i in range(7):
        await scheduling.put(
            f"/v1/people/by-external-id/p-{i}",
            json={"given_name": "A", "family_name": str(i)},
            headers=auth(),
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await scheduling.get("/v1/people", params=params, headers=auth())).json()
        seen += [p["external_id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"p-{i}" for i in range(7)]


async def walk(
    client: httpx.AsyncClient, auth: Token, path: str, key: str, **query: str
) -> list[str]:
    """Every item of a list operation, two at a time, by ``key``."""
    seen: list[str] = []
    cursor = None
    while True:
        params = {**query, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(path, params=params, headers=auth())).json()
        seen += [item[key] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return seen


async def test_organisations_and_facilitators_page_by_id(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    organisations = [await put_organisation(scheduling, auth, f"org-{i}") for i in range(5)]
    facilitators = [await facilitator(scheduling, auth, f"fac-{i}") for i in range(5)]
    employer = organisations[2]["id"]
    employed = [await person(scheduling, auth, f"emp-{i}", employer_id=employer) for i in range(3)]

    assert await walk(scheduling, auth, "/v1/client-organisations", "id") == sorted(
        o["id"] for o in organisations
    )
    assert await walk(scheduling, auth, "/v1/facilitators", "person_id") == sorted(
        f["id"] for f in facilitators
    )
    assert await walk(scheduling, auth, "/v1/people", "id", employer_id=employer) == [
        p["id"] for p in employed
    ]


async def test_bad_cursor_and_limit_are_400(scheduling: httpx.AsyncClient, auth: Token) -> None:
    bad_cursor = await scheduling.get("/v1/people", params={"cursor": "***"}, headers=auth())
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["errors"][0]["field"] == "query.cursor"
    bad_limit = await scheduling.get("/v1/people", params={"limit": 0}, headers=auth())
    assert bad_limit.status_code == 400


async def test_participant_reads_only_themself(scheduling: httpx.AsyncClient, auth: Token) -> None:
    me = await scheduling.put(
        "/v1/people/by-external-id/me", json={"given_name": "A", "family_name": "B"}, headers=auth()
    )
    other = await scheduling.put(
        "/v1/people/by-external-id/other",
        json={"given_name": "C", "family_name": "D"},
        headers=auth(),
    )
    participant = auth("participant", person=me.json()["id"])
    assert (
        await scheduling.get(f"/v1/people/{me.json()['id']}", headers=participant)
    ).status_code == 200
    assert (
        await scheduling.get(f"/v1/people/{other.json()['id']}", headers=participant)
    ).status_code == 404
    assert (await scheduling.get("/v1/people", headers=participant)).status_code == 403


async def test_missing_field_is_named(scheduling: httpx.AsyncClient, auth: Token) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/hr-7", json={"given_name": "A"}, headers=auth("admin")
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.family_name"
    assert response.json()["errors"][0]["rule"] == "required"


async def test_manager_cycle_is_refused(scheduling: httpx.AsyncClient, auth: Token) -> None:
    a = await person(scheduling, auth, "a")
    b = await person(scheduling, auth, "b", manager_id=a["id"])
    response = await scheduling.put(
        "/v1/people/by-external-id/a",
        json={"given_name": "A", "family_name": "Tester", "manager_id": b["id"]},
        headers=auth(),
    )
    assert response.status_code == 422
    assert rules_of(response) == ["manager_cycle"]


async def test_registrations_are_stored_and_replaced(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    regs = [
        {"register": "SKJ", "number": "110012345", "registered_on": "2021-06-01"},
        {"register": "NIP", "number": "00123456", "registered_on": None},
    ]
    created = await person(scheduling, auth, "reg", registrations=regs)
    assert created["registrations"] == sorted(regs, key=lambda r: r["register"])
    fetched = await scheduling.get(f"/v1/people/{created['id']}", headers=auth())
    assert fetched.json()["registrations"] == created["registrations"]
    replaced = await person(
        scheduling, auth, "reg", registrations=[{"register": "SKJ", "number": "9"}]
    )
    only_skj = [{"register": "SKJ", "number": "9", "registered_on": None}]
    assert replaced["registrations"] == only_skj
    fetched = await scheduling.get(f"/v1/people/{created['id']}", headers=auth())
    assert fetched.json()["registrations"] == only_skj


async def test_a_register_twice_is_refused(scheduling: httpx.AsyncClient, auth: Token) -> None:
    response = await scheduling.put(
        "/v1/people/by-external-id/dup",
        json={
            "given_name": "D",
            "family_name": "T",
            "registrations": [
                {"register": "SKJ", "number": "1"},
                {"register": "SKJ", "number": "2"},
            ],
        },
        headers=auth(),
    )
    assert response.status_code == 422
    assert rules_of(response) == ["unique_register"]
