"""The flow an HR integrator writes with the Python clients openapi-python-client generates from
the contracts (``kring_scheduling``, ``kring_invoicing``); imported only once they are generated.
The same flow as ``flow.ts``: a municipality's employees in a group, a series walked by cursor,
a session closed, its invoices billed to the municipality under its OIN."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from kring_invoicing import AuthenticatedClient as InvoicingClient
from kring_invoicing.api.billing_profiles import upsert_billing_profile
from kring_invoicing.api.cost_sheets import list_cost_sheets
from kring_invoicing.api.debtors import put_client_organisation_debtor
from kring_invoicing.api.invoices import get_invoice, list_invoices
from kring_invoicing.models import BillingProfileIn, DebtorIn, Invoice
from kring_scheduling import AuthenticatedClient as SchedulingClient
from kring_scheduling.api.client_organisations import upsert_client_organisation
from kring_scheduling.api.facilitators import upsert_facilitator
from kring_scheduling.api.groups import (
    accept_agreement,
    add_group_member,
    create_group,
    record_consent,
)
from kring_scheduling.api.people import upsert_person
from kring_scheduling.api.sessions import (
    close_session,
    list_sessions,
    plan_sessions,
    record_attendance,
)
from kring_scheduling.models import (
    AcceptanceIn,
    AgreementIn,
    AttendanceIn,
    AttendanceInStatus,
    ClientOrganisationIn,
    CloseIn,
    ConsentIn,
    FacilitatorIn,
    GroupIn,
    GroupInMode,
    MemberIn,
    PersonIn,
    RecognitionIn,
    Session,
    SessionPlanIn,
)

OIN = "00000001002220647000"


def ok(response: Any) -> Any:
    """The parsed answer of a success (a generated ``Response``); else the problem it states."""
    assert 200 <= response.status_code < 300, f"{response.status_code}: {response.content!r}"
    return response.parsed


def run(settings: dict[str, str]) -> dict[str, int]:
    token = settings["KRING_TOKEN"]
    scheduling = SchedulingClient(settings["KRING_SCHEDULING_URL"], token=token, timeout=30)
    invoicing = InvoicingClient(settings["KRING_INVOICING_URL"], token=token, timeout=30)
    with scheduling, invoicing:
        employer = municipality(scheduling, invoicing)
        group_id, members = group(scheduling, facilitator(scheduling, invoicing), employer)
        plan = ok(
            plan_sessions.sync_detailed(
                client=scheduling,
                body=SessionPlanIn(
                    group_id=group_id,
                    start="2025-04-01T19:00",
                    end="2025-04-01T21:30",
                    rrule="FREQ=WEEKLY;COUNT=5",
                ),
            )
        )
        assert len(plan.sessions) == 5
        walked = sessions_by_cursor(scheduling, group_id)
        assert sorted(s.id for s in walked) == sorted(s.id for s in plan.sessions)

        first = plan.sessions[0]
        for person_id in members:
            ok(
                record_attendance.sync_detailed(
                    first.id,
                    person_id,
                    client=scheduling,
                    body=AttendanceIn(status=AttendanceInStatus.PRESENT),
                )
            )
        closed = ok(close_session.sync_detailed(first.id, client=scheduling, body=CloseIn()))
        assert closed.session.status == "closed"

        invoices = invoices_of(invoicing, first.id)
        assert len(invoices) == len(members)
        for listed in invoices:
            invoice: Invoice = ok(get_invoice.sync_detailed(listed.id, client=invoicing))
            assert invoice.buyer is not None
            assert (invoice.buyer.peppol_scheme, invoice.buyer.peppol_id) == ("0190", OIN)
            assert invoice.buyer.buyer_reference == "KP-4711"
        return {"sessions": len(walked), "invoices": len(invoices)}


def municipality(scheduling: SchedulingClient, invoicing: InvoicingClient) -> UUID:
    organisation = ok(
        upsert_client_organisation.sync_detailed(
            "gemeente-utrecht",
            client=scheduling,
            body=ClientOrganisationIn(name="Gemeente Utrecht", kvk_number="30280353"),
        )
    )
    debtor = DebtorIn.from_dict(
        {
            "name": "Gemeente Utrecht",
            "street": "Stadsplateau 1",
            "postal_code": "3521 AZ",
            "city": "Utrecht",
            "peppol_scheme": "0190",
            "peppol_id": OIN,
            "buyer_reference": "KP-4711",
        }
    )
    ok(put_client_organisation_debtor.sync_detailed(organisation.id, client=invoicing, body=debtor))
    return UUID(str(organisation.id))


def facilitator(scheduling: SchedulingClient, invoicing: InvoicingClient) -> UUID:
    person = ok(
        upsert_person.sync_detailed(
            "fee", client=scheduling, body=PersonIn(given_name="Fee", family_name="Begeleider")
        )
    )
    recognition = RecognitionIn(register="LVSC", role="supervisor")
    ok(
        upsert_facilitator.sync_detailed(
            person.id, client=scheduling, body=FacilitatorIn(recognitions=[recognition])
        )
    )
    profile = BillingProfileIn(
        legal_name="Praktijk de Vries",
        street="Oudegracht 1",
        postal_code="3511 AA",
        city="Utrecht",
        kvk_number="12345678",
        btw_id="NL000099998B57",
        iban="NL91 ABNA 0417 1643 00",
        bic="ABNANL2A",
        email="facturen@praktijkdevries.nl",
        invoice_prefix="PYC",
        auto_issue=True,
    )
    ok(upsert_billing_profile.sync_detailed(person.id, client=invoicing, body=profile))
    return UUID(str(person.id))


def group(
    scheduling: SchedulingClient, facilitator_id: UUID, employer: UUID
) -> tuple[UUID, list[UUID]]:
    agreement = AgreementIn(ground_rules="Op tijd.", confidentiality="Alles blijft in de groep.")
    created = ok(
        create_group.sync_detailed(
            client=scheduling,
            body=GroupIn(
                name="Intervisie Utrecht",
                facilitator_id=facilitator_id,
                mode=GroupInMode.IN_PERSON,
                location="Utrecht",
                agreement=agreement,
            ),
        )
    )
    members = []
    for name in ("Anna", "Bram", "Cor"):
        person = ok(
            upsert_person.sync_detailed(
                name.lower(),
                client=scheduling,
                body=PersonIn(given_name=name, family_name="Jeugdwerker", employer_id=employer),
            )
        )
        ok(
            add_group_member.sync_detailed(
                created.id, client=scheduling, body=MemberIn(person_id=person.id)
            )
        )
        ok(
            record_consent.sync_detailed(
                created.id, person.id, client=scheduling, body=ConsentIn(voluntary=True)
            )
        )
        ok(
            accept_agreement.sync_detailed(
                created.id, person.id, client=scheduling, body=AcceptanceIn(agreement_version=1)
            )
        )
        members.append(person.id)
    return created.id, members


def sessions_by_cursor(scheduling: SchedulingClient, group_id: UUID) -> list[Session]:
    sessions: list[Session] = []
    cursor: str | None = None
    while True:
        page = ok(
            list_sessions.sync_detailed(
                client=scheduling, group_id=group_id, limit=2, cursor=cursor
            )
        )
        assert len(page.items) <= 2
        sessions += page.items
        if page.next_cursor is None:
            return sessions
        cursor = page.next_cursor


def invoices_of(
    invoicing: InvoicingClient, session_id: UUID, *, seconds: float = 60
) -> list[Invoice]:
    """The session's invoices once all are issued (the relay bills in the background)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sheets = ok(list_cost_sheets.sync_detailed(client=invoicing, limit=200)).items
        for sheet in (s for s in sheets if s.session_id == session_id):
            page = ok(list_invoices.sync_detailed(client=invoicing, cost_sheet_id=sheet.id))
            if page.items and all(i.status == "issued" for i in page.items):
                return list(page.items)
        time.sleep(0.3)
    raise AssertionError(f"no issued invoices for session {session_id}")
