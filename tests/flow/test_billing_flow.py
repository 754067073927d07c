"""Explicit billing relations across the three processes: a session of a group whose employer
has a debtor linked is billed to it at once (`auto_issue`), each e-invoice valid under the
CEN and Peppol rules; a group whose employer has none waits in `needs_debtor` until the
debtor is linked, and is then issued with consecutive numbers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import peppol
from lxml import etree

from tests.flow.platform import Platform
from tests.flow.support import closed_session, eventually, member, ok, supervised_group
from tests.invoicing.invoices import schematron
from tests.invoicing.support import MUNICIPALITY, PEPPOL, PROFILE, today

MAINDOC = Path(peppol.__file__).parent / "schema" / "maindoc"
CARE = {
    **MUNICIPALITY,
    "name": "Zorggroep Noord",
    "peppol_scheme": "0106",
    "peppol_id": "87654321",
    "kvk_number": "87654321",
    "buyer_reference": "ZN-2026",
}


async def employer(api: httpx.AsyncClient, key: str, name: str) -> str:
    """A client organisation in scheduling; its id."""
    body = {"name": name, "kvk_number": f"{random.randrange(10**7, 10**8)}"}
    return str(ok(await api.put(f"/v1/client-organisations/by-external-id/{key}", json=body))["id"])


async def billed_group(
    scheduling: httpx.AsyncClient, invoicing: httpx.AsyncClient, name: str, employer_id: str
) -> tuple[str, list[str]]:
    """A group of three employees of ``employer_id``, led by a facilitator whose billing
    profile issues at once, in a series of its own (a KvK of its own)."""
    group_id = await supervised_group(scheduling, name)
    fac = ok(await scheduling.get(f"/v1/groups/{group_id}"))["facilitator_id"]
    members = [
        await member(scheduling, group_id, f"{name}-{n}", employer_id=employer_id) for n in range(3)
    ]
    profile = {**PROFILE, "auto_issue": True, "invoice_prefix": name.upper()[:6],
               "kvk_number": f"{random.randrange(10**7, 10**8)}"}  # fmt: skip
    ok(await invoicing.put(f"/v1/billing-profiles/{fac}", json=profile))
    return group_id, members


async def invoices_of_session(invoicing: httpx.AsyncClient, session_id: str) -> list[Any]:
    sheets = ok(await invoicing.get("/v1/cost-sheets", params={"limit": 200}))["items"]
    [sheet] = [s for s in sheets if s["session_id"] == session_id] or [None]
    if sheet is None:
        return []
    page = ok(await invoicing.get("/v1/invoices", params={"cost_sheet_id": sheet["id"]}))
    return list(page["items"])


def check_e_invoice(document: bytes) -> None:
    """The UBL 2.1 schema always; the CEN EN 16931 and Peppol BIS rules where they are at hand
    (they skip only when the rule files are absent, as the UBL tests do)."""
    schema = etree.XMLSchema(etree.parse(str(MAINDOC / "UBL-Invoice-2.1.xsd")))
    assert schema.validate(etree.fromstring(document)), schema.error_log
    if PEPPOL.is_dir():
        for validator in (schematron.cen(PEPPOL), schematron.peppol(PEPPOL)):
            report = validator.validate(document)
            assert report.fired_rules > 20
            assert report.failures == [], report.failures


async def test_linked_employers_are_billed_at_once_and_the_others_wait_for_their_debtor(
    platform: Platform, token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(uuid.uuid4(), "admin", ttl=3600)
    scheduling = httpx.AsyncClient(base_url=platform.urls["scheduling"], headers=admin, timeout=30)
    invoicing = httpx.AsyncClient(base_url=platform.urls["invoicing"], headers=admin, timeout=30)
    async with scheduling, invoicing:
        municipality = await employer(scheduling, "gem-utrecht", "Gemeente Utrecht")
        care = await employer(scheduling, "zorggroep", "Zorggroep Noord")
        ok(await invoicing.put(f"/v1/debtors/for-client-organisation/{municipality}",
                               json=MUNICIPALITY))  # fmt: skip
        linked_group, linked = await billed_group(scheduling, invoicing, "Gemeente", municipality)
        waiting_group, waiting = await billed_group(scheduling, invoicing, "Zorg", care)
        linked_session = await closed_session(
            scheduling, linked_group, linked, start="2025-03-04T19:00", end="2025-03-04T21:30"
        )
        waiting_session = await closed_session(
            scheduling, waiting_group, waiting, start="2025-03-05T19:00", end="2025-03-05T21:30"
        )

        async def billed(session_id: str) -> list[Any]:
            found = await invoices_of_session(invoicing, session_id)
            return found if len(found) == 3 else []

        issued = await eventually(lambda: billed(linked_session))
        assert {(i["status"], i["buyer"]["name"]) for i in issued} == {
            ("issued", "Gemeente Utrecht")
        }
        for invoice in issued:
            ubl = await invoicing.get(f"/v1/invoices/{invoice['id']}/ubl")
            assert ubl.status_code == 200, ubl.text
            check_e_invoice(ubl.content)

        held = await eventually(lambda: billed(waiting_session))
        assert {(i["status"], i["needs"][0]["rule"]) for i in held} == {
            ("needs_debtor", "debtor_required")
        }
        assert {i["client_organisation_id"] for i in held} == {care}
        written = ok(await invoicing.put(f"/v1/debtors/for-client-organisation/{care}", json=CARE))
        assert written["released"] == [i["id"] for i in held]
        after = await invoices_of_session(invoicing, waiting_session)
        assert {(i["status"], i["buyer"]["name"]) for i in after} == {("issued", "Zorggroep Noord")}
        numbers = [i["number"] for i in after]
        first = int(numbers[0].rsplit("-", 1)[1])
        assert numbers == [f"ZORG-{today().year}-{first + n:05d}" for n in range(3)]
