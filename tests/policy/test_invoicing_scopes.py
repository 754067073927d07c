"""Invoicing's row scopes (``services/invoicing/policy.py``, ADR 0082), from one organisation
with two facilitators and two client organisations whose employees share the facilitators'
sessions: every list and feed holds no invoice outside the caller's scope, an invoice outside
it reads as one that does not exist, and a service token reads nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import Token
from tests.invoicing.relations.support import link
from tests.invoicing.support import MUNICIPALITY, invoices_of, participants, profile, sheet
from tests.scheduling.sessions.support import events

EMPLOYER_OF = {"a1": "c1", "b1": "c2", "a2": "c1", "b2": "c2", "a3": "c1"}
"""``a*`` work for client organisation ``c1``, ``b*`` for ``c2``; ``f1`` billed ``a1`` and
``b1`` (issued) and ``a3`` (a draft), ``f2`` billed ``a2`` and ``b2`` (issued)."""


@dataclass(frozen=True)
class Organisation:
    ids: dict[str, str]
    invoices: dict[str, str]
    """Each person's invoice."""

    def __getitem__(self, name: str) -> str:
        return self.ids[name]

    def of(self, *people: str) -> set[str]:
        return {self.invoices[key] for key in people}


@pytest.fixture
async def made(invoicing: httpx.AsyncClient, auth: Token) -> Organisation:
    ids = {key: str(uuid.uuid4()) for key in ("c1", "c2")}
    for employer in ("c1", "c2"):  # the debtor the sheets give is each employer's (ADR 0097)
        await link(invoicing, auth(), uuid.UUID(ids[employer]), MUNICIPALITY)
    invoices: dict[str, str] = {}
    for facilitator, people, issue in (
        ("f1", ("a1", "b1"), True),
        ("f2", ("a2", "b2"), True),
        ("f1", ("a3",), False),
    ):
        if facilitator not in ids:
            ids[facilitator] = str(await profile(invoicing, auth()))
        sharing = [
            {**p, "client_organisation_id": ids[EMPLOYER_OF[key]]}
            for p, key in zip(participants(len(people), employer=MUNICIPALITY), people, strict=True)
        ]
        created = await sheet(invoicing, auth(), uuid.UUID(ids[facilitator]), participants=sharing)
        for invoice, key in zip(
            await invoices_of(invoicing, auth(), created["id"]), people, strict=True
        ):
            ids[key], invoices[key] = invoice["person_id"], invoice["id"]
            if issue:
                issued = await invoicing.post(f"/v1/invoices/{invoice['id']}/issue", headers=auth())
                assert issued.status_code == 200, issued.text
    await events(invoicing, auth, expect=4)  # the feed shows every issue
    return Organisation(ids=ids, invoices=invoices)


async def _invoices(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str = "invoice"
) -> set[str]:
    answer = await client.get("/v1/invoices", params={"limit": 200}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    return {item["id"] for item in answer.json()["items"] if item["kind"] == kind}


async def _readable(client: httpx.AsyncClient, headers: dict[str, str], invoice: str) -> bool:
    statuses = {
        (await client.get(f"/v1/invoices/{invoice}{document}", headers=headers)).status_code
        for document in ("", "/pdf", "/ubl")
    }
    assert len(statuses) == 1, statuses
    (status,) = statuses
    assert status in (200, 404), status
    return status == 200


async def test_an_hr_client_sees_only_its_employees_invoices(
    invoicing: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    c1, c2 = ("a1", "a2"), ("b1", "b2")
    for employer, own, others in (("c1", c1, c2), ("c2", c2, c1)):
        hr = auth("hr", client_org=made[employer])
        assert await _invoices(invoicing, hr) == made.of(*own), "issued, its employees' only"
        for key in own:
            assert await _readable(invoicing, hr, made.invoices[key]), key
        for key in (*others, "a3"):  # another employer's, and a draft: as if none existed
            assert not await _readable(invoicing, hr, made.invoices[key]), key
        feed = await invoicing.get("/v1/events", headers=hr)
        about = {event["data"]["invoice_id"] for event in feed.json()["items"]}
        assert about == made.of(*own), "the feed shows its employees' invoices only"
        for write in ("issue", "payment", "credit-note"):
            answer = await invoicing.post(
                f"/v1/invoices/{made.invoices[own[0]]}/{write}", headers=hr
            )
            assert answer.status_code == 403, write
    assert await _invoices(invoicing, auth("hr")) == set(), "without its claim: nothing"


async def test_an_hr_client_sees_its_employees_credit_notes(
    invoicing: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    credited = await invoicing.post(
        f"/v1/invoices/{made.invoices['a1']}/credit-note", headers=auth()
    )
    assert credited.status_code in (200, 201), credited.text
    note = credited.json()
    assert (note["kind"], note["client_organisation_id"]) == ("credit_note", made["c1"])
    own = await _invoices(invoicing, auth("hr", client_org=made["c1"]), kind="credit_note")
    assert own == {note["id"]}
    assert (
        await _invoices(invoicing, auth("hr", client_org=made["c2"]), kind="credit_note") == set()
    )


async def test_a_facilitator_and_a_participant_see_only_their_own(
    invoicing: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    f1 = auth("facilitator", person=made["f1"])
    assert await _invoices(invoicing, f1) == made.of("a1", "b1", "a3"), "drafts too"
    assert not await _readable(invoicing, f1, made.invoices["a2"])
    a1 = auth("participant", person=made["a1"])
    assert await _invoices(invoicing, a1) == made.of("a1")
    assert not await _readable(invoicing, a1, made.invoices["b1"])
    a3 = auth("participant", person=made["a3"])
    assert await _invoices(invoicing, a3) == set(), "a draft is not the participant's yet"


async def test_a_service_token_reads_nothing(
    invoicing: httpx.AsyncClient, auth: Token, made: Organisation
) -> None:
    service = auth("service")
    invoice = made.invoices["a1"]
    for path in (
        "/v1/invoices",
        f"/v1/invoices/{invoice}",
        f"/v1/invoices/{invoice}/pdf",
        "/v1/events",
        "/v1/debtors",
        "/v1/cost-sheets",
        f"/v1/debtors/for-client-organisation/{made['c1']}",
    ):
        answer = await invoicing.get(path, headers=service)
        assert answer.status_code == 403, path
