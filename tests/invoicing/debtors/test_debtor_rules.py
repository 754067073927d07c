"""What a Dutch invoice needs of its debtor before it may be issued. Pure."""

from __future__ import annotations

import msgspec
import pytest

from services.invoicing.debtors.rules import missing
from services.invoicing.debtors.schemas import Debtor

from ..support import MUNICIPALITY, person_debtor


def debtor(**changes: object) -> Debtor:
    return msgspec.convert({"country_code": "NL", **person_debtor("Anna"), **changes}, Debtor)


def reasons(value: Debtor | None) -> list[tuple[str | None, str]]:
    return [(e.field, e.rule) for e in missing(value)]


def test_a_complete_debtor_lacks_nothing() -> None:
    assert missing(debtor()) == []
    assert missing(msgspec.convert({"country_code": "NL", **MUNICIPALITY}, Debtor)) == []


def test_no_debtor_at_all() -> None:
    assert reasons(None) == [("debtor", "debtor_required")]


@pytest.mark.parametrize("part", ["name", "street", "postal_code", "city", "country_code"])
def test_every_part_of_the_name_and_address_is_required(part: str) -> None:
    assert reasons(debtor(**{part: " "})) == [(f"debtor.{part}", "required")]


def test_a_government_buyer_needs_its_order_number() -> None:
    oin = {k: v for k, v in MUNICIPALITY.items() if k != "buyer_reference"}
    assert reasons(msgspec.convert({"country_code": "NL", **oin}, Debtor)) == [
        ("debtor.buyer_reference", "order_number_required")
    ]
    kvk = debtor(peppol_scheme="0106", peppol_id="12345678")
    assert missing(kvk) == []  # only the Rijk's gateway requires it


def test_the_reasons_name_the_field_they_are_given() -> None:
    [reason] = missing(debtor(city=""), field="body.participants[2].debtor")
    assert reason.field == "body.participants[2].debtor.city"
