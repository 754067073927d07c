"""Whose debtor pays a participant's invoice: their own when they pay themselves, else their
employer's, else nobody; and whom it bills, a debtor given on the cost sheet too. Pure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec

from services.invoicing.debtors.rules import snapshot
from services.invoicing.debtors.schemas import StoredDebtor
from services.invoicing.invoices.rules import Buyer, Held
from services.invoicing.principal import Principal
from services.invoicing.relations.rules import (
    Choice,
    Links,
    buyer_of,
    buyers,
    may_reach_organisation,
)

NOW = datetime(2026, 11, 20, tzinfo=UTC)
PERSON, EMPLOYER, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def stored(name: str) -> StoredDebtor:
    return StoredDebtor(
        id=uuid.uuid4(), external_id=None, name=name, street="Straat 1", postal_code="1234 AB",
        city="Utrecht", country_code="NL", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


OWN, WORK = stored("Anna privé"), stored("Gemeente")


def links(*choices: tuple[uuid.UUID, Choice]) -> Links:
    return Links(
        choices=dict(choices),
        organisations={EMPLOYER: WORK.id},
        debtors={OWN.id: OWN, WORK.id: WORK},
    )


def name(value: Buyer | None) -> str | None:
    return None if value is None else value.debtor.name


def test_the_employer_pays_unless_the_person_pays_themselves() -> None:
    nobody_chose = links()
    employer = links((PERSON, Choice("employer", None)))
    own = links((PERSON, Choice("self", OWN.id)))

    def whom(found: Links, employer_id: uuid.UUID | None = EMPLOYER) -> str | None:
        return name(buyer_of(found, person_id=PERSON, client_organisation_id=employer_id))

    assert [whom(nobody_chose), whom(employer), whom(own)] == ["Gemeente", "Gemeente", "Anna privé"]
    billed = [buyer_of(found, person_id=PERSON, client_organisation_id=EMPLOYER)
              for found in (nobody_chose, employer, own)]  # fmt: skip
    assert [b.billed_to if b else None for b in billed] == ["employer", "employer", "person"]
    assert whom(own, None) == "Anna privé"
    assert whom(employer, None) is None  # no employer known: nobody
    assert whom(nobody_chose, OTHER) is None  # an employer without a debtor linked: nobody


def test_an_invoice_states_a_snapshot_of_the_debtor() -> None:
    buyer = buyer_of(links(), person_id=PERSON, client_organisation_id=EMPLOYER)
    assert buyer is not None
    assert not hasattr(buyer.debtor, "id")  # the invoice keeps the data, not the stored record
    held = [Held(uuid.uuid4(), PERSON, EMPLOYER), Held(uuid.uuid4(), OTHER, None)]
    assert [name(b) for b in buyers(links(), held).values()] == ["Gemeente", None]


def test_an_hr_client_reaches_only_its_own_organisations_debtor() -> None:
    own = uuid.uuid4()

    def caller(*roles: str, **claims: uuid.UUID) -> Principal:
        return Principal(subject="t", org_id=uuid.uuid4(), roles=frozenset(roles), **claims)

    assert may_reach_organisation(caller("hr", client_org=own), own)
    assert not may_reach_organisation(caller("hr", client_org=own), uuid.uuid4())
    assert not may_reach_organisation(caller("hr"), own)
    for role in ("admin", "facilitator"):
        assert may_reach_organisation(caller(role), own)


def test_a_debtor_given_on_the_sheet_bills_the_employer_only_when_it_is_the_employers() -> None:
    """Whom a given debtor is, the billing relations tell: exactly the employer's linked
    debtor, exactly the person's own, or neither (``other``: not shown to HR)."""
    own = links((PERSON, Choice("self", OWN.id)))

    def billed(given: StoredDebtor, found: Links = own) -> str | None:
        buyer = buyer_of(
            found, person_id=PERSON, client_organisation_id=EMPLOYER, given=snapshot(given)
        )
        assert buyer is not None and buyer.debtor == snapshot(given)  # the given one bills
        return buyer.billed_to

    assert billed(WORK) == "employer"
    assert billed(OWN) == "person"
    assert billed(stored("Gemeente Zeist")) == "other"
    assert billed(OWN, links()) == "other"  # not their own unless they pay themselves
    moved = msgspec.structs.replace(WORK, street="Stadsplateau 2")
    assert billed(moved) == "other"  # not exactly the employer's: never guessed to be it
