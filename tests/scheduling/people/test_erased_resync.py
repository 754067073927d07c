"""An HR sync does not bring an erased person back (ADR 0098): over HTTP on the real database,
the single upsert and the batch of an erased person's id are refused (422, rule `erased`),
nobody is created, and `person.resync_refused` names the request; another id still creates."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.kit.db import create_pool, transaction
from services.kit.errors import RuleViolation
from services.kit.settings import Settings
from services.scheduling.config import SCHEMA
from services.scheduling.people import rules
from services.scheduling.privacy import repository as erasures
from services.scheduling.privacy.rules import erased_key
from tests.conftest import Token
from tests.kit.privacy.support import announced, as_owner
from tests.scheduling.people.support import put_organisation
from tests.scheduling.support import person

REFUSED = "person.resync_refused"


@dataclass(frozen=True)
class Erased:
    """A person of an employer, synced by its HR system and then erased."""

    external_id: str
    """The HR system's id for them, which it may still send."""
    person: dict[str, Any]
    employer_id: str
    hr: dict[str, str]
    """The employer's HR client's headers."""
    people: list[str]
    """The ids of every person of the tenant, after the erasure."""


async def erased(scheduling: httpx.AsyncClient, auth: Token) -> Erased:
    employer = await put_organisation(scheduling, auth, f"emp-{uuid.uuid4().hex[:8]}")
    external_id = f"hr-{uuid.uuid4().hex[:8]}"
    someone = await person(
        scheduling, auth, external_id, email="anouk@example.nl", employer_id=employer["id"]
    )
    done = await scheduling.post(f"/v1/subjects/{someone['id']}/erasure", headers=auth())
    assert done.status_code == 201, done.text
    hr = auth("hr", client_org=employer["id"])
    return Erased(external_id, someone, employer["id"], hr, await people_ids(scheduling, auth))


async def people_ids(scheduling: httpx.AsyncClient, auth: Token) -> list[str]:
    """The ids of every person of the tenant."""
    page = (await scheduling.get("/v1/people", params={"limit": 100}, headers=auth())).json()
    return sorted(p["id"] for p in page["items"])


async def refusal_announced(
    scheduling: httpx.AsyncClient, auth: Token, refused: httpx.Response, gone: Erased, field: str
) -> dict[str, Any]:
    """The event announcing ``refused``, once it is checked that the answer is a 422 naming
    ``field`` by rule ``erased``, nobody was created, and the employer's HR client reads the
    one event naming that request and field."""
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [(field, "erased")]
    assert await people_ids(scheduling, auth) == gone.people
    (event,) = await announced(scheduling, gone.hr, expected=1, type=REFUSED)
    assert {k: v for k, v in event["data"].items() if k != "operation"} == {
        "request_id": refused.headers["x-request-id"],
        "field": field,
        "rule": "erased",
        "employer_id": gone.employer_id,
    }
    return dict(event)


async def test_an_erased_person_s_id_is_refused_by_the_single_upsert_and_announced(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    gone = await erased(scheduling, auth)
    external_id, someone, hr = gone.external_id, gone.person, gone.hr
    body = {"given_name": "Anouk", "family_name": "de Vries", "email": "anouk@example.nl"}

    refused = await scheduling.put(
        f"/v1/people/by-external-id/{external_id}", json=body, headers=hr
    )

    event = await refusal_announced(scheduling, auth, refused, gone, "path.external_id")
    assert event["data"]["operation"] == "upsertPerson"
    assert "Anouk" not in str(event) and external_id not in str(event)
    missing = await scheduling.get(f"/v1/people/by-external-id/{external_id}", headers=auth())
    assert missing.status_code == 404
    assert len(await announced(scheduling, auth(), expected=1, type=REFUSED)) == 1
    # Another employer's HR client does not read it.
    other = auth("hr", client_org=str(uuid.uuid4()))
    assert await announced(scheduling, other, type=REFUSED) == []
    # The pseudonym's own id is not a way back in either.
    pseudonym = f"erased-{someone['id']}"
    again = await scheduling.put(
        f"/v1/people/by-external-id/{pseudonym}", json=body, headers=auth()
    )
    assert again.status_code == 422, again.text
    kept = (await scheduling.get(f"/v1/people/{someone['id']}", headers=auth())).json()
    assert (kept["given_name"], kept["email"]) == ("Erased", None)
    # Another id still creates.
    created = await scheduling.put(
        f"/v1/people/by-external-id/{external_id}-new", json=body, headers=hr
    )
    assert created.status_code == 201, created.text


async def test_a_batch_naming_an_erased_person_is_refused_whole_and_announced(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    gone = await erased(scheduling, auth)
    external_id, hr = gone.external_id, gone.hr
    items = [
        {"external_id": f"{external_id}-new", "given_name": "Bram", "family_name": "Jansen"},
        {"external_id": external_id, "given_name": "Anouk", "family_name": "de Vries"},
    ]

    refused = await scheduling.post("/v1/people/batch", json={"items": items}, headers=hr)

    event = await refusal_announced(scheduling, auth, refused, gone, "body.items[1].external_id")
    assert event["data"]["operation"] == "upsertPeople"
    # Dropped from the sync, the rest goes through.
    sent = await scheduling.post("/v1/people/batch", json={"items": items[:1]}, headers=hr)
    assert sent.status_code == 200, sent.text
    assert [i["outcome"] for i in sent.json()["items"]] == ["created"]


def test_the_key_recognises_an_id_per_tenant_without_holding_it() -> None:
    org, other = uuid.uuid4(), uuid.uuid4()
    key = erased_key(org, "hr-10042")
    assert key == erased_key(org, "hr-10042") and len(key) == 32
    assert key not in {erased_key(other, "hr-10042"), erased_key(org, "hr-10043")}
    assert b"hr-10042" not in key


def test_the_erased_rule_names_the_field() -> None:
    rules.check_not_erased(erased=False)
    with pytest.raises(RuleViolation) as refused:
        rules.check_not_erased(erased=True)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("path.external_id", "erased")]
    found = rules.finding_errors([rules.Finding(index=3, erased=True)])
    assert [(e.field, e.rule) for e in found] == [("body.items[3].external_id", "erased")]
    with pytest.raises(RuleViolation):
        rules.refuse_batch(found)


@pytest.mark.parametrize("how", ["upsert", "batch"])
async def test_a_sync_racing_an_erasure_waits_for_it_and_is_refused(
    scheduling: httpx.AsyncClient,
    auth: Token,
    org: uuid.UUID,
    settings_for: Callable[..., Settings],
    how: str,
) -> None:
    """An upsert of the id of a person being erased queues behind the erasure (the id's lock,
    taken by both), then finds the id erased: it does not create the person again once the
    erasure commits."""
    external_id = f"hr-{uuid.uuid4().hex[:8]}"
    someone = await person(scheduling, auth, external_id)
    body = {"given_name": "Anouk", "family_name": "de Vries"}
    pool = await create_pool(settings_for("scheduling"), schema=SCHEMA)
    try:
        async with transaction(pool, org_id=org) as conn:  # the erasure, not yet committed
            person_id = uuid.UUID(someone["id"])
            known = await erasures.lock_person(conn, org, person_id)
            await erasures.pseudonymise(conn, org, person_id, erased_by="t", external_id=known)
            sent = asyncio.ensure_future(
                scheduling.put(
                    f"/v1/people/by-external-id/{external_id}", json=body, headers=auth()
                )
                if how == "upsert"
                else scheduling.post(
                    "/v1/people/batch",
                    json={"items": [{"external_id": external_id, **body}]},
                    headers=auth(),
                )
            )
            await asyncio.sleep(1.0)
            assert not sent.done(), sent.result().text  # it waits for the erasure
        answer = await sent
    finally:
        await pool.close()
    assert answer.status_code == 422, answer.text
    assert [e["rule"] for e in answer.json()["errors"]] == ["erased"]
    missing = await scheduling.get(f"/v1/people/by-external-id/{external_id}", headers=auth())
    assert missing.status_code == 404


async def test_an_id_sent_again_is_refused_each_time_and_announced_once_a_day(
    scheduling: httpx.AsyncClient, auth: Token, database_url: str
) -> None:
    gone = await erased(scheduling, auth)
    path = f"/v1/people/by-external-id/{gone.external_id}"
    body = {"given_name": "Anouk", "family_name": "de Vries"}
    items = {"items": [{"external_id": gone.external_id, **body}]}

    first = await scheduling.put(path, json=body, headers=gone.hr)
    event = await refusal_announced(scheduling, auth, first, gone, "path.external_id")
    again = [
        await scheduling.put(path, json=body, headers=gone.hr),
        await scheduling.post("/v1/people/batch", json=items, headers=gone.hr),
    ]
    assert [r.status_code for r in again] == [422, 422]
    assert [e["id"] for e in await announced(scheduling, gone.hr, type=REFUSED)] == [event["id"]]

    async with as_owner(database_url) as conn:  # a day later
        await conn.execute(
            "UPDATE erased_external_ids SET announced_at = announced_at - interval '25 hours'"
            " WHERE person_id = $1",
            uuid.UUID(gone.person["id"]),
        )
    later = await scheduling.post("/v1/people/batch", json=items, headers=gone.hr)
    assert later.status_code == 422, later.text
    seen = await announced(scheduling, gone.hr, expected=2, type=REFUSED)
    assert [e["data"]["request_id"] for e in seen][1:] == [later.headers["x-request-id"]]
