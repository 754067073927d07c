"""Billing profile rules: plain examples and properties."""

from __future__ import annotations

import string
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.principal import Principal
from services.invoicing.profiles import rules
from services.invoicing.profiles.schemas import BillingProfileIn
from services.kit.errors import Forbidden, RuleViolation

REAL_TEST_IBANS = [
    "NL91ABNA0417164300",
    "NL44 RABO 0123 4567 89",
    "BE68539007547034",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "GB82WEST12345698765432",
    "LU280019400644750000",
]


def profile(**changes: object) -> BillingProfileIn:
    values: dict[str, object] = {
        "legal_name": "Praktijk de Vries",
        "street": "Oudegracht 1",
        "postal_code": "3511 AA",
        "city": "Utrecht",
        "kvk_number": "12345678",
        "btw_id": "NL000099998B57",
        "iban": "nl91 abna 0417 1643 00",
        "invoice_prefix": "PDV",
        **changes,
    }
    return BillingProfileIn(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("iban", REAL_TEST_IBANS)
def test_real_test_ibans_pass(iban: str) -> None:
    assert rules.is_valid_iban(iban)


def test_iban_is_normalised() -> None:
    assert rules.normalise_iban(" nl91 abna\t0417 1643 00 ") == "NL91ABNA0417164300"
    assert rules.is_valid_iban("nl91abna0417164300")


@pytest.mark.parametrize(
    ("iban", "rule"),
    [
        ("NL91ABNA0417164301", "iban_checksum"),
        ("NL19ABNA0417164300", "iban_checksum"),
        ("NL91ABNA041716430", "iban_length"),
        ("BE685390075470345", "iban_length"),
        ("US12345678901234567", "iban_country"),
        ("NLXXABNA0417164300", "iban_format"),
        ("NL91ABNA-417164300", "iban_format"),
        ("NL91", "iban_format"),
    ],
)
def test_broken_ibans_name_their_rule(iban: str, rule: str) -> None:
    error = rules.iban_error(iban)
    assert error is not None
    assert (error.field, error.rule) == ("body.iban", rule)


def test_length_table_covers_the_neighbours() -> None:
    expected = {"NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20}
    assert {country: rules.IBAN_LENGTHS[country] for country in expected} == expected


@pytest.mark.parametrize(
    "btw_id",
    [
        "NL808661863B01",  # classic eleven-test
        "NL000099998B57",  # mod-97 (sole proprietors since 2020)
        "NL002455799B11",  # mod-97
    ],
)
def test_valid_btw_ids(btw_id: str) -> None:
    assert rules.is_valid_btw_id(btw_id)


@pytest.mark.parametrize(
    ("btw_id", "rule"),
    [
        ("NL123456789B01", "btw_checksum"),
        ("NL808661864B01", "btw_checksum"),
        ("NL000000000B00", "btw_checksum"),
        ("NL80866186B01", "btw_format"),
        ("nl808661863b01", "btw_format"),
        ("BE0123456789", "btw_format"),
    ],
)
def test_broken_btw_ids_name_their_rule(btw_id: str, rule: str) -> None:
    error = rules.btw_id_error(btw_id)
    assert error is not None
    assert (error.field, error.rule) == ("body.btw_id", rule)


def test_kvk_number_has_eight_digits() -> None:
    assert rules.kvk_error("12345678") is None
    for wrong in ("1234567", "123456789", "1234567a", ""):
        error = rules.kvk_error(wrong)
        assert error is not None and error.rule == "kvk_format"


def test_prepare_normalises_and_leaves_standard_without_text() -> None:
    prepared = rules.prepare(profile())
    assert prepared.iban == "NL91ABNA0417164300"
    assert prepared.exemption_text is None


def test_exempt_without_text_gets_the_default() -> None:
    assert rules.prepare(profile(btw_mode="exempt")).exemption_text == rules.DEFAULT_EXEMPTION_TEXT
    own = rules.prepare(profile(btw_mode="exempt", exemption_text="CRKBO: vrijgesteld"))
    assert own.exemption_text == "CRKBO: vrijgesteld"


def test_prepare_names_every_broken_rule() -> None:
    with pytest.raises(RuleViolation) as raised:
        rules.prepare(
            profile(iban="NL91ABNA0417164301", btw_id="NL123456789B01", exemption_text="x")
        )
    assert [(e.field, e.rule) for e in raised.value.errors] == [
        ("body.iban", "iban_checksum"),
        ("body.btw_id", "btw_checksum"),
        ("body.exemption_text", "exemption_text_only_when_exempt"),
    ]


def principal(*roles: str, person: uuid.UUID | None = None) -> Principal:
    return Principal(subject="t", org_id=uuid.uuid4(), roles=frozenset(roles), person=person)


def test_access_admin_any_facilitator_own() -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    assert rules.may_access(principal("admin"), other)
    assert rules.may_access(principal("facilitator", person=me), me)
    assert not rules.may_access(principal("facilitator", person=me), other)
    assert not rules.may_access(principal("facilitator"), me)
    assert not rules.may_access(principal("participant", person=me), me)
    with pytest.raises(Forbidden):
        rules.check_may_write(principal("facilitator", person=me), other)


ALPHANUMERIC = string.ascii_uppercase + string.digits


@st.composite
def valid_ibans(draw: st.DrawFn) -> str:
    """An IBAN of a known country whose check digits are computed, not looked up."""
    country = draw(st.sampled_from(sorted(rules.IBAN_LENGTHS)))
    size = rules.IBAN_LENGTHS[country] - 4
    bban = draw(st.text(alphabet=ALPHANUMERIC, min_size=size, max_size=size))
    return country + rules.iban_check_digits(country, bban) + bban


@given(valid_ibans())
def test_generated_ibans_pass(iban: str) -> None:
    assert rules.iban_error(iban) is None


@given(valid_ibans(), st.data())
def test_any_single_digit_change_fails(iban: str, data: st.DataObject) -> None:
    positions = [i for i, char in enumerate(iban) if char.isdigit()]
    position = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in string.digits if d != iban[position]]))
    changed = iban[:position] + digit + iban[position + 1 :]
    error = rules.iban_error(changed)
    assert error is not None and error.rule == "iban_checksum"


@given(valid_ibans())
def test_spaced_lower_case_ibans_pass(iban: str) -> None:
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
    assert rules.is_valid_iban(spaced)


NINE_DIGITS = st.text(alphabet=string.digits, min_size=9, max_size=9)


@given(NINE_DIGITS)
def test_btw_ids_with_computed_mod97_suffix_pass(digits: str) -> None:
    """N=23, L=21, B=11: the suffix solves 2321<digits>11<suffix> = 1 (mod 97)."""
    suffix = (1 - int(f"2321{digits}11") * 100) % 97
    assert rules.is_valid_btw_id(f"NL{digits}B{suffix:02d}")


@given(
    st.text(alphabet=string.digits, min_size=8, max_size=8).filter(lambda d: d != "0" * 8),
    st.integers(min_value=0, max_value=99),
)
def test_btw_ids_passing_the_eleven_test_pass_with_any_suffix(first: str, suffix: int) -> None:
    check = sum(int(d) * w for d, w in zip(first, range(9, 1, -1), strict=True)) % 11
    if check == 10:
        return
    assert rules.is_valid_btw_id(f"NL{first}{check}B{suffix:02d}")
