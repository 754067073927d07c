"""Accreditation's row scopes (``services/accreditation/policy.py``, ADR 0082), from one
organisation with two facilitators, two client organisations and two registers: every list,
export and feed holds no row outside the caller's scope, a row outside it reads as one that
does not exist, and a service token reads nothing a person would read."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.accreditation.outcomes.support import feed
from tests.accreditation.snapshots import attendee, registration, session
from tests.accreditation.support import record
from tests.conftest import Token

SINCE = "2020-01-01"
REGISTER_OF = {"a1": "NIP", "b1": "NOVA", "a2": "NOVA", "b2": "NIP"}
"""``a*`` work for client organisation ``c1``, ``b*`` for ``c2``; ``s1`` (facilitated by
``f1``) holds ``a1`` and ``b1``, ``s2`` (by ``f2``) ``a2`` and ``b2``."""
CONSENTING = ("a1", "b1")
"""``a1`` lets NIP's registration body read its entries, ``b1`` NOvA's; the others do not."""


@dataclass(frozen=True)
class Organisation:
    ids: dict[str, str]
    entries: dict[str, str]
    """Each person's ledger entry."""

    def __getitem__(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture
async def made(accreditation: httpx.AsyncClient, auth: Token) -> Organisation:
    ids = {key: str(uuid.uuid4()) for key in ("c1", "c2", "f1", "f2", *REGISTER_OF)}
    entries: dict[str, str] = {}
    for n in ("1", "2"):
        people = [
            attendee(
                registration(REGISTER_OF[key], f"{n}000{i}", registered_on=SINCE),
                person_id=ids[key],
                name=f"Persoon {key}",
                employer_id=ids["c1" if key.startswith("a") else "c2"],
            )
            for i, key in enumerate((f"a{n}", f"b{n}"))
        ]
        body = session(*people)
        body["facilitator"]["person_id"] = ids[f"f{n}"]
        ids[f"s{n}"] = body["session_id"]
        result = await record(accreditation, auth, body)
        for judgement in result["judgements"]:
            assert judgement["outcome"] == "recorded", judgement
            key = next(k for k in REGISTER_OF if ids[k] == judgement["person_id"])
            entries[key] = judgement["entry"]["id"]
    for key in CONSENTING:
        granted = await accreditation.put(
            f"/v1/consents/{REGISTER_OF[key]}", headers=auth("participant", person=ids[key])
        )
        assert granted.status_code == 201, granted.text
    await feed(accreditation, auth, expect=len(entries))  # the feed shows them all
    return Organisation(ids=ids, entries=entries)


async def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, (answer.request.url, answer.text)
    return answer.json()


async def _people(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> set[str]:
    page = await _ok(await client.get(path, headers=headers))
    assert page.get("next_cursor") is None, "the fixture fits on one page"
    return {item["person_id"] for item in page["items"]}


def _named(made: Organisation, *keys: str) -> set[str]:
    return {made[key] for key in keys}


async def test_a_service_token_cannot_read_ledger_entries(
    accreditation: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    service = auth("service")
    a1 = made["a1"]
    for path in (
        f"/v1/ledger/entries/{made.entries['a1']}",
        f"/v1/people/{a1}/registers/NIP/entries",
        f"/v1/people/{a1}/registers/NIP/totals",
        f"/v1/people/{a1}/outcomes",
        f"/v1/sessions/{made['s1']}/outcomes",
        f"/v1/sessions/{made['s1']}/attendance-lists/NIP",
        "/v1/events",
        "/v1/registers/NIP/ledger.ndjson",
        "/v1/credentials",
    ):
        answer = await accreditation.get(path, headers=service)
        assert answer.status_code == 403, path
        assert "Persoon" not in answer.text, path
    # What it does need: the chain, without a person in it.
    verification = await _ok(await accreditation.get("/v1/ledger/verification", headers=service))
    assert verification["valid"] and verification["entries_checked"] >= len(made.entries)
    checkpoints = await accreditation.get("/v1/ledger/checkpoints", headers=service)
    assert checkpoints.status_code == 200
    for answer in (json.dumps(verification), checkpoints.text):
        assert not any(made[key] in answer for key in REGISTER_OF), "counts and hashes only"


async def test_a_registrar_reads_only_its_registers_consenting_registrants(
    accreditation: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    for register, consenting in (("NIP", "a1"), ("NOVA", "b1")):
        registrar = auth("registrar", register=register)
        for path in ("/v1/registrar/entries", "/v1/registrar/outcomes"):
            assert await _people(accreditation, path, registrar) == _named(made, consenting), path
        export = await accreditation.get(
            f"/v1/registers/{register}/ledger.ndjson", headers=registrar
        )
        assert {json.loads(line)["person_id"] for line in export.text.splitlines()} == _named(
            made, consenting
        )
        other = "NOVA" if register == "NIP" else "NIP"
        refused = await accreditation.get(f"/v1/registers/{other}/ledger.csv", headers=registrar)
        assert refused.status_code == 404, "another register reads as one it does not know"
    for path in (f"/v1/people/{made['a1']}/outcomes", f"/v1/ledger/entries/{made.entries['a1']}"):
        answer = await accreditation.get(path, headers=auth("registrar", register="NIP"))
        assert answer.status_code == 403, path


async def test_an_hr_client_sees_only_its_employees(
    accreditation: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    c1, c2 = ("a1", "a2"), ("b1", "b2")
    for employer, own, others in (("c1", c1, c2), ("c2", c2, c1)):
        hr = auth("hr", client_org=made[employer])
        seen: set[str] = set()
        for n in ("1", "2"):
            seen |= await _people(accreditation, f"/v1/sessions/{made[f's{n}']}/outcomes", hr)
        assert seen == _named(made, *own)
        for key in own:
            assert await _people(accreditation, f"/v1/people/{made[key]}/outcomes", hr)
        for key in others:
            answer = await accreditation.get(f"/v1/people/{made[key]}/outcomes", headers=hr)
            assert answer.status_code == 404, "another employer's person reads as unknown"
        feed = await _ok(await accreditation.get("/v1/events", headers=hr))
        about = {event["data"]["person_id"] for event in feed["items"]}
        assert about == _named(made, *own), "the feed shows its employees' events only"
        for key in own:
            answer = await accreditation.get(
                f"/v1/people/{made[key]}/registers/{REGISTER_OF[key]}/entries", headers=hr
            )
            assert answer.status_code == 403, "hours reach it as events, not the ledger"
    nobody = auth("hr")
    assert await _people(accreditation, f"/v1/sessions/{made['s1']}/outcomes", nobody) == set()
    assert (await _ok(await accreditation.get("/v1/events", headers=nobody)))["items"] == []


async def test_a_facilitator_sees_only_the_sessions_it_facilitated(
    accreditation: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    for n, other in (("1", "2"), ("2", "1")):
        facilitator = auth("facilitator", person=made[f"f{n}"])
        own = await _people(accreditation, f"/v1/sessions/{made[f's{n}']}/outcomes", facilitator)
        assert own == _named(made, f"a{n}", f"b{n}")
        theirs = f"/v1/sessions/{made[f's{other}']}/outcomes"
        assert await _people(accreditation, theirs, facilitator) == set(), "as a session unknown"
        lists: dict[str, set[str]] = {}
        for key in ("s1", "s2"):
            for register in ("NIP", "NOVA"):
                path = f"/v1/sessions/{made[key]}/attendance-lists/{register}"
                lists[f"{key}/{register}"] = await _people(accreditation, path, facilitator)
        assert set().union(*lists.values()) == _named(made, f"a{n}", f"b{n}")
        person = f"/v1/people/{made[f'a{n}']}/outcomes"
        assert (await accreditation.get(person, headers=facilitator)).status_code == 404


async def test_a_participant_reads_only_its_own_records(
    accreditation: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    a1 = auth("participant", person=made["a1"])
    own = f"/v1/people/{made['a1']}/registers/NIP"
    assert await _people(accreditation, f"{own}/entries", a1) == _named(made, "a1")
    assert (await _ok(await accreditation.get(f"{own}/totals", headers=a1)))["cycles"]
    assert await _people(accreditation, f"/v1/people/{made['a1']}/outcomes", a1) == _named(
        made, "a1"
    )
    theirs = f"/v1/people/{made['b2']}/registers/NIP"
    for path in (f"{theirs}/entries", f"{theirs}/totals", f"/v1/people/{made['b2']}/outcomes"):
        assert (await accreditation.get(path, headers=a1)).status_code == 404, path
    for path in (f"/v1/ledger/entries/{made.entries['a1']}", f"/v1/sessions/{made['s1']}/outcomes"):
        assert (await accreditation.get(path, headers=a1)).status_code == 403, path
