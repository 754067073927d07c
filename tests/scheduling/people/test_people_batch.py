"""Upserting people in batches (``POST /v1/people/batch``): over HTTP on the real database,
plus the batch rules as pure functions."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from services.cli import service_module
from services.kit.db import create_pool, transaction
from services.kit.errors import FieldError, Forbidden, NotFound, RuleViolation
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA
from services.scheduling.people import repository, rules
from services.scheduling.people.schemas import PersonBatchItem, Registration
from tests.conftest import Token, until_started
from tests.scheduling.people.support import put_organisation

BATCH = "/v1/people/batch"


def person(external_id: str, **fields: Any) -> dict[str, Any]:
    return {"external_id": external_id, "given_name": "A", "family_name": external_id, **fields}


async def batch(
    client: httpx.AsyncClient, headers: dict[str, str], *items: dict[str, Any]
) -> httpx.Response:
    return await client.post(BATCH, json={"items": list(items)}, headers=headers)


async def stored(client: httpx.AsyncClient, auth: Token, external_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/people/by-external-id/{external_id}", headers=auth())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def external_ids(client: httpx.AsyncClient, auth: Token) -> list[str]:
    page = (await client.get("/v1/people", params={"limit": 100}, headers=auth())).json()
    return [p["external_id"] for p in page["items"]]


def refused(response: httpx.Response, status: int) -> list[tuple[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["field"], e["rule"]) for e in response.json().get("errors", [])]


# Outcomes


async def test_outcomes_are_counted_and_in_request_order(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    skj = {"register": "SKJ", "number": "100", "registered_on": "2020-01-01"}
    nip = {"register": "NIP", "number": "200"}
    first = await batch(
        scheduling,
        auth(),
        person("b-1"),
        person("b-2"),
        person("b-3", registrations=[skj, nip]),
        person("b-4", registrations=[skj]),
    )
    assert first.status_code == 200, first.text
    assert first.json()["created"] == 4
    assert [i["outcome"] for i in first.json()["items"]] == ["created"] * 4
    before = {
        i["external_id"]: await stored(scheduling, auth, i["external_id"])
        for i in first.json()["items"]
    }
    assert [i["id"] for i in first.json()["items"]] == [before[f"b-{n}"]["id"] for n in range(1, 5)]

    second = await batch(
        scheduling,
        auth(),
        person("b-4", registrations=[{**skj, "registered_on": "2021-01-01"}]),
        person("b-new"),
        person("b-3", registrations=[nip, skj]),
        person("b-2", family_name="Jansen"),
        person("b-1"),
    )

    assert second.status_code == 200, second.text
    body = second.json()
    assert [(i["external_id"], i["outcome"]) for i in body["items"]] == [
        ("b-4", "updated"),
        ("b-new", "created"),
        ("b-3", "unchanged"),
        ("b-2", "updated"),
        ("b-1", "unchanged"),
    ]
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 2, 2)
    assert [i["id"] for i in body["items"] if i["external_id"] != "b-new"] == [
        before[e]["id"] for e in ("b-4", "b-3", "b-2", "b-1")
    ]
    after = {e: await stored(scheduling, auth, e) for e in before}
    # As in the single upsert, updated_at moves only when a column of the person changed.
    assert after["b-2"]["updated_at"] > before["b-2"]["updated_at"]
    assert after["b-2"]["family_name"] == "Jansen"
    for unmoved in ("b-1", "b-3", "b-4"):
        assert after[unmoved]["updated_at"] == before[unmoved]["updated_at"]
    assert after["b-4"]["registrations"] == [{**skj, "registered_on": "2021-01-01"}]


async def test_a_person_written_by_the_single_upsert_is_unchanged_by_the_same_batch_item(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    employer = await put_organisation(scheduling, auth)
    manager = await scheduling.put(
        "/v1/people/by-external-id/boss",
        json={"given_name": "B", "family_name": "C"},
        headers=auth(),
    )
    fields = {
        "given_name": "Anna",
        "family_name": "de Vries",
        "email": "anna@example.nl",
        "employer_id": employer["id"],
        "manager_id": manager.json()["id"],
        "career_started_on": "2010-09-01",
        "registrations": [{"register": "SKJ", "number": "1", "registered_on": None}],
    }
    single = await scheduling.put("/v1/people/by-external-id/anna", json=fields, headers=auth())
    assert single.status_code == 201

    response = await batch(scheduling, auth(), {"external_id": "anna", **fields})

    assert response.json()["items"] == [
        {"external_id": "anna", "id": single.json()["id"], "outcome": "unchanged"}
    ]
    assert await stored(scheduling, auth, "anna") == single.json()


async def test_clearing_a_field_is_a_change(scheduling: httpx.AsyncClient, auth: Token) -> None:
    await batch(scheduling, auth(), person("n-1", email="n@example.nl"), person("n-2"))

    response = await batch(scheduling, auth(), person("n-1"), person("n-2", email=None))

    assert [i["outcome"] for i in response.json()["items"]] == ["updated", "unchanged"]
    assert (await stored(scheduling, auth, "n-1"))["email"] is None


async def test_registrations_are_replaced(scheduling: httpx.AsyncClient, auth: Token) -> None:
    await batch(
        scheduling,
        auth(),
        person(
            "r-1",
            registrations=[{"register": "SKJ", "number": "1"}, {"register": "NIP", "number": "2"}],
        ),
        person("r-2", registrations=[{"register": "NOVA", "number": "3"}]),
    )

    response = await batch(
        scheduling,
        auth(),
        person(
            "r-1",
            registrations=[{"register": "NIP", "number": "22"}, {"register": "MFN", "number": "4"}],
        ),
        person("r-2"),
    )

    assert [i["outcome"] for i in response.json()["items"]] == ["updated", "updated"]
    assert (await stored(scheduling, auth, "r-1"))["registrations"] == [
        {"register": "MFN", "number": "4", "registered_on": None},
        {"register": "NIP", "number": "22", "registered_on": None},
    ]
    assert (await stored(scheduling, auth, "r-2"))["registrations"] == []


# Bounds


async def test_five_hundred_people_in_one_call(scheduling: httpx.AsyncClient, auth: Token) -> None:
    boss = (
        await scheduling.put(
            "/v1/people/by-external-id/boss",
            json={"given_name": "B", "family_name": "C"},
            headers=auth(),
        )
    ).json()
    items = [
        person(
            f"m-{n:03}",
            manager_id=boss["id"],
            registrations=[{"register": "SKJ", "number": str(n)}],
        )
        for n in range(500)
    ]

    created = await batch(scheduling, auth(), *items)
    again = await batch(scheduling, auth(), *items)

    assert created.status_code == 200, created.text
    assert created.json()["created"] == 500
    assert [i["external_id"] for i in created.json()["items"]] == [i["external_id"] for i in items]
    assert again.json()["unchanged"] == 500
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in created.json()["items"]]


@pytest.mark.parametrize("size", [0, 501])
async def test_an_empty_or_oversized_batch_is_refused_by_the_bounds(
    scheduling: httpx.AsyncClient, auth: Token, size: int
) -> None:
    response = await batch(scheduling, auth(), *[person(f"x-{n}") for n in range(size)])

    assert refused(response, 400) == [("body.items", "length")]
    assert await external_ids(scheduling, auth) == []


async def test_an_invalid_external_id_is_refused_by_the_schema(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    response = await batch(scheduling, auth(), person("ok"), person("not ok"))
    assert refused(response, 400) == [("body.items[1].external_id", "pattern")]


# Refusals: every bad item named by its index, nothing stored


async def test_an_external_id_twice_is_refused(scheduling: httpx.AsyncClient, auth: Token) -> None:
    response = await batch(scheduling, auth(), person("d-1"), person("d-2"), person("d-1"))

    assert refused(response, 422) == [("body.items[2].external_id", "unique_in_batch")]
    assert response.json()["errors"][0]["message"] == "also items[0]"
    assert await external_ids(scheduling, auth) == []


async def test_every_bad_item_is_named_and_nothing_is_stored(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    employer = await put_organisation(scheduling, auth)
    nobody = str(uuid.uuid4())
    twice = [{"register": "SKJ", "number": "1"}, {"register": "SKJ", "number": "2"}]

    response = await batch(
        scheduling,
        auth(),
        person("e-0", employer_id=employer["id"]),
        person("e-1", manager_id=nobody),
        person("e-2"),
        person("e-3", employer_id=str(uuid.uuid4()), registrations=twice),
        person("e-4", manager_id=nobody),
    )

    assert refused(response, 422) == [
        ("body.items[1].manager_id", "exists"),
        ("body.items[3].registrations[1].register", "unique_register"),
        ("body.items[3].employer_id", "exists"),
        ("body.items[4].manager_id", "exists"),
    ]
    assert response.json()["detail"] == "Nothing was stored: 3 items of the batch are refused."
    assert await external_ids(scheduling, auth) == []


async def test_unknown_manager_and_employer_are_404s_naming_the_items(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    await batch(scheduling, auth(), person("u-0"))

    response = await batch(
        scheduling,
        auth(),
        person("u-0", family_name="changed"),
        person("u-1", employer_id=str(uuid.uuid4())),
        person("u-2", manager_id=str(uuid.uuid4())),
    )

    assert refused(response, 404) == [
        ("body.items[1].employer_id", "exists"),
        ("body.items[2].manager_id", "exists"),
    ]
    assert response.json()["errors"][0]["message"] == "no such client organisation"
    assert await external_ids(scheduling, auth) == ["u-0"]
    assert (await stored(scheduling, auth, "u-0"))["family_name"] == "u-0"


async def test_manager_cycles_formed_within_the_batch_are_refused(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    ids = {
        i["external_id"]: i["id"]
        for i in (await batch(scheduling, auth(), person("a"), person("b"), person("c"))).json()[
            "items"
        ]
    }

    mutual = await batch(
        scheduling,
        auth(),
        person("new"),
        person("a", manager_id=ids["b"]),
        person("b", manager_id=ids["a"]),
    )
    own = await batch(scheduling, auth(), person("c", manager_id=ids["c"]))

    assert refused(mutual, 422) == [
        ("body.items[1].manager_id", "manager_cycle"),
        ("body.items[2].manager_id", "manager_cycle"),
    ]
    assert refused(own, 422) == [("body.items[0].manager_id", "manager_cycle")]
    assert await external_ids(scheduling, auth) == ["a", "b", "c"]


async def test_cycles_through_stored_managers_count_and_the_batch_replaces_stored_managers(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    ids = {
        i["external_id"]: i["id"]
        for i in (await batch(scheduling, auth(), person("a"), person("b"), person("c"))).json()[
            "items"
        ]
    }
    chain = await batch(scheduling, auth(), person("c", manager_id=ids["b"]))
    assert chain.status_code == 200

    # a -> c -> (stored) b -> a
    closing = await batch(
        scheduling, auth(), person("a", manager_id=ids["c"]), person("b", manager_id=ids["a"])
    )
    # c's stored manager b is replaced by none, so b -> c is no loop.
    replacing = await batch(scheduling, auth(), person("b", manager_id=ids["c"]), person("c"))

    assert refused(closing, 422) == [
        ("body.items[0].manager_id", "manager_cycle"),
        ("body.items[1].manager_id", "manager_cycle"),
    ]
    assert replacing.status_code == 200, replacing.text
    assert (await stored(scheduling, auth, "b"))["manager_id"] == ids["c"]
    assert (await stored(scheduling, auth, "c"))["manager_id"] is None


async def test_hr_client_writes_only_its_own_employees(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    own = await put_organisation(scheduling, auth, "own")
    other = await put_organisation(scheduling, auth, "other")
    hr = auth("hr", client_org=own["id"])
    theirs = await batch(scheduling, auth(), person("theirs", employer_id=other["id"]))
    assert theirs.status_code == 200

    mine = await batch(scheduling, hr, person("mine-1"), person("mine-2", employer_id=own["id"]))
    foreign = await batch(
        scheduling,
        hr,
        person("mine-1", family_name="changed"),
        person("theirs"),
        person("mine-3", employer_id=other["id"]),
    )
    no_claim = await batch(scheduling, auth("hr"), person("mine-4"))

    assert mine.json()["created"] == 2
    assert (await stored(scheduling, auth, "mine-1"))["employer_id"] == own["id"]
    assert refused(foreign, 403) == [
        ("body.items[1].external_id", "own_organisation"),
        ("body.items[2].employer_id", "own_organisation"),
    ]
    assert refused(no_claim, 403) == []
    assert (await stored(scheduling, auth, "theirs"))["employer_id"] == other["id"]
    assert (await stored(scheduling, auth, "mine-1"))["family_name"] == "mine-1"
    assert sorted(await external_ids(scheduling, auth)) == ["mine-1", "mine-2", "theirs"]


async def test_participants_and_facilitators_may_not_batch(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    for role in ("participant", "facilitator"):
        assert (await batch(scheduling, auth(role), person("p"))).status_code == 403


# Statements per batch


class CountingPool:
    """The app's pool, recording every statement a request's connection sends."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.statements: list[str] = []

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn:
            with conn.query_logger(lambda record: self.statements.append(record.query)):
                yield conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


@pytest_asyncio.fixture
async def counted(
    settings_for: Callable[..., Settings],
) -> AsyncIterator[tuple[httpx.AsyncClient, CountingPool]]:
    """The scheduling app with two connections, one of them the relay's listener, so that requests
    share one (asyncpg introspects types once per connection, before counting); its lifespan in
    a task of its own as in ``tests.conftest``."""
    app = service_module("scheduling", "app").create_app(
        settings_for("scheduling", db_pool_min=2, db_pool_max=2)
    )
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await until_started(lifespan, started)
    counting = CountingPool(app.state.pool)
    app.state.pool = counting
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scheduling") as client:
            yield client, counting
    finally:
        app.state.pool = counting.pool
        stop.set()
        await lifespan


async def test_a_batch_takes_the_same_statements_whatever_its_size(
    counted: tuple[httpx.AsyncClient, CountingPool], auth: Token
) -> None:
    client, pool = counted
    boss = await client.put(
        "/v1/people/by-external-id/boss",
        json={"given_name": "B", "family_name": "C"},
        headers=auth(),
    )
    registrations = [{"register": "SKJ", "number": "1"}, {"register": "NIP", "number": "2"}]

    def items(size: int, prefix: str) -> list[dict[str, Any]]:
        return [
            person(f"{prefix}-{n}", manager_id=boss.json()["id"], registrations=registrations)
            for n in range(size)
        ]

    counts = []
    for size, prefix in [(1, "warm"), (1, "one"), (500, "many"), (500, "many")]:
        pool.statements.clear()
        response = await batch(client, auth(), *items(size, prefix))
        assert response.status_code == 200, response.text
        await asyncio.sleep(0)  # query loggers are called soon after, not during
        counts.append(len(pool.statements))

    # BEGIN with the tenant, the ids' locks (queued with an erasure: ADR 0098), the findings,
    # the people, the registrations, COMMIT.
    assert counts[1:] == [6, 6, 6]


async def test_the_single_upsert_takes_three_statements(
    counted: tuple[httpx.AsyncClient, CountingPool], auth: Token
) -> None:
    """BEGIN with the tenant (and the id's lock), the upsert, COMMIT: the check that the id is
    no erased person's is in the upsert's own statement (ADR 0098)."""
    client, pool = counted
    counts = []
    for name in ("warm", "new", "new"):
        pool.statements.clear()
        response = await client.put(
            f"/v1/people/by-external-id/single-{name}",
            json={"given_name": "A", "family_name": "B"},
            headers=auth(),
        )
        assert response.status_code in (200, 201), response.text
        await asyncio.sleep(0)
        counts.append(len(pool.statements))
    assert counts[1:] == [3, 3]


# The write alone, without the findings: a reference that vanished is a 404, never a 500


async def test_a_foreign_key_violation_names_the_items(
    settings_for: Callable[..., Settings], org: uuid.UUID
) -> None:
    pool = await create_pool(settings_for("scheduling"), schema=SCHEMA)
    nobody = uuid.uuid4()
    items = [
        PersonBatchItem(external_id="f-0", given_name="A", family_name="B"),
        PersonBatchItem(external_id="f-1", given_name="A", family_name="B", manager_id=nobody),
        PersonBatchItem(external_id="f-2", given_name="A", family_name="B", manager_id=nobody),
    ]
    try:
        with pytest.raises(NotFound) as refusal:
            async with transaction(pool, org_id=org) as conn:
                await repository.upsert_batch(conn, org, items, [None, None, None])
    finally:
        await pool.close()

    assert [(e.field, e.rule) for e in refusal.value.errors] == [
        ("body.items[1].manager_id", "exists"),
        ("body.items[2].manager_id", "exists"),
    ]


# The batch rules as pure functions


def item(external_id: str = "x", **fields: Any) -> PersonBatchItem:
    return PersonBatchItem(external_id=external_id, given_name="A", family_name="B", **fields)


@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=12))
def test_batch_errors_name_every_repeat_of_an_external_id(ids: list[str]) -> None:
    errors = rules.batch_errors([item(i) for i in ids])
    repeats = [n for n, i in enumerate(ids) if i in ids[:n]]
    assert [e.field for e in errors] == [f"body.items[{n}].external_id" for n in repeats]
    assert {e.rule for e in errors} <= {"unique_in_batch"}
    assert [e.message for e in errors] == [f"also items[{ids.index(ids[n])}]" for n in repeats]


def test_batch_errors_name_registrations_within_their_item() -> None:
    twice = [Registration(register="SKJ", number="1"), Registration(register="SKJ", number="2")]
    assert rules.batch_errors([item("a"), item("b", registrations=twice)]) == [
        FieldError(
            field="body.items[1].registrations[1].register",
            rule="unique_register",
            message="SKJ appears more than once",
        )
    ]


OWN, OTHER = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize(
    ("own", "requested", "employers", "refused_items"),
    [
        (None, [None, OTHER], [None, OTHER], []),
        (OWN, [None, OWN], [OWN, OWN], []),
        (OWN, [OTHER, None, OTHER], [OWN, OWN, OWN], [0, 2]),
    ],
)
def test_batch_employers(
    own: uuid.UUID | None,
    requested: list[uuid.UUID | None],
    employers: list[uuid.UUID | None],
    refused_items: list[int],
) -> None:
    result, errors = rules.batch_employers(own, [item(employer_id=r) for r in requested])
    assert result == employers
    assert [(e.field, e.rule) for e in errors] == [
        (f"body.items[{n}].employer_id", "own_organisation") for n in refused_items
    ]


def error(index: int, rule: str, name: str = "manager_id") -> FieldError:
    return FieldError(field=f"body.items[{index}].{name}", rule=rule, message=rule)


@pytest.mark.parametrize(
    ("errors", "refusal"),
    [
        ([error(3, "exists")], NotFound),
        ([error(3, "exists"), error(1, "manager_cycle")], RuleViolation),
        ([error(0, "unique_in_batch"), error(2, "own_organisation")], Forbidden),
        ([error(1, "exists"), error(0, "unique_register")], RuleViolation),
    ],
)
def test_refuse_batch_answers_the_gravest_status_with_every_error_in_item_order(
    errors: list[FieldError], refusal: type[Exception]
) -> None:
    with pytest.raises(refusal) as raised:
        rules.refuse_batch(errors)
    assert raised.value.errors == sorted(errors, key=lambda e: int(e.field[11:].split("]")[0]))  # type: ignore[attr-defined]


def test_refuse_batch_passes_an_empty_list() -> None:
    rules.refuse_batch([])


def test_refuse_batch_counts_items_not_errors() -> None:
    with pytest.raises(RuleViolation, match="1 item of the batch is refused"):
        rules.refuse_batch([error(2, "manager_cycle"), error(2, "unique_register", "external_id")])
    with pytest.raises(NotFound, match="2 items of the batch are refused"):
        rules.refuse_batch([error(2, "exists"), error(10, "exists")])


@pytest.mark.parametrize(
    ("inserted", "changed", "registrations_changed", "outcome"),
    [
        (True, True, True, "created"),
        (True, True, False, "created"),
        (False, True, False, "updated"),
        (False, False, True, "updated"),
        (False, True, True, "updated"),
        (False, False, False, "unchanged"),
    ],
)
def test_outcome(inserted: bool, changed: bool, registrations_changed: bool, outcome: str) -> None:
    assert (
        rules.outcome(
            inserted=inserted, changed=changed, registrations_changed=registrations_changed
        )
        == outcome
    )


def test_finding_errors_name_each_problem_of_an_item() -> None:
    findings = [
        rules.Finding(index=4, unknown_employer=True, unknown_manager=True),
        rules.Finding(index=7, manager_cycle=True, foreign_person=True),
    ]
    assert [(e.field, e.rule) for e in rules.finding_errors(findings)] == [
        ("body.items[4].employer_id", "exists"),
        ("body.items[4].manager_id", "exists"),
        ("body.items[7].external_id", "own_organisation"),
        ("body.items[7].manager_id", "manager_cycle"),
    ]
