"""Register codes: the normaliser clients' spellings go through before a lookup."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.accreditation.registers.rules import (
    ALIASES,
    CODE_PATTERN,
    INPUT_PATTERN,
    normalise_code,
)

SEEDED = ("MFN", "NBA", "NIP", "NOVA", "NVO", "SKJ", "VAKTHERAPIE", "VVN")


@pytest.mark.parametrize("code", SEEDED)
def test_canonical_codes_stay_as_they_are(code: str) -> None:
    assert normalise_code(code) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NOvA", "NOVA"),
        ("nova", "NOVA"),
        ("MfN", "MFN"),
        (" skj ", "SKJ"),
        ("\tNIP\n", "NIP"),
        ("V&VN", "VVN"),
        ("v&vn", "VVN"),
        (" V&VN ", "VVN"),
        ("Register Vaktherapie", "VAKTHERAPIE"),
        ("register   vaktherapie", "VAKTHERAPIE"),
        ("vaktherapie", "VAKTHERAPIE"),
    ],
)
def test_client_spellings_become_the_code(raw: str, code: str) -> None:
    assert normalise_code(raw) == code


def test_unknown_spellings_are_tidied_but_not_guessed() -> None:
    assert normalise_code(" xyz ") == "XYZ"
    assert normalise_code("V & VN") == "V & VN"
    assert normalise_code("") == ""


@pytest.mark.parametrize(("alias", "code"), sorted(ALIASES.items()))
def test_every_alias_is_tidy_and_names_a_canonical_code(alias: str, code: str) -> None:
    assert re.search(CODE_PATTERN, code)
    assert alias not in ALIASES.values()
    assert alias == " ".join(alias.upper().split())


def test_canonical_codes_are_valid_input() -> None:
    for code in SEEDED:
        assert re.search(INPUT_PATTERN, code)
        assert re.search(CODE_PATTERN, code)


@given(st.text())
def test_normalising_is_idempotent(raw: str) -> None:
    once = normalise_code(raw)
    assert normalise_code(once) == once


@given(st.from_regex(INPUT_PATTERN, fullmatch=True))
def test_path_input_normalises_to_a_code_or_a_miss(raw: str) -> None:
    """Anything the path accepts becomes a canonical code, or a code that no register can hold."""
    code = normalise_code(raw)
    assert code == raw.upper() or raw.upper() in ALIASES
    assert re.search(CODE_PATTERN, code) or "&" in code


@given(
    st.sampled_from(SEEDED),
    st.text(alphabet=" \t\n", max_size=3),
    st.text(alphabet=" \t", max_size=3),
)
def test_case_and_surrounding_space_do_not_matter(code: str, before: str, after: str) -> None:
    assert normalise_code(f"{before}{code.lower()}{after}") == code
