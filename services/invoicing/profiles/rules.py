"""Billing profile rules: IBAN, BTW id, KvK number and BTW mode; who may touch which profile;
the refusals of an invoice prefix that belongs to another supplier.

Pure: no I/O. The shapes are also checked by the wire format (``schemas.py``);
the check digits are checked here. A broken rule is reported as a ``FieldError``
naming the field and the rule, and :func:`prepare` raises one ``RuleViolation``
listing every rule the profile breaks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Final

import msgspec

from services.kit.errors import Conflict, FieldError, Forbidden, RuleViolation

from ..principal import Principal
from .schemas import BillingProfileIn, BtwMode

DEFAULT_EXEMPTION_TEXT: Final = "Vrijgesteld van btw op grond van art. 11 lid 1 sub o Wet OB"
PREFIX_OF_ANOTHER_SUPPLIER: Final = "prefix_of_another_supplier"
"""The rule that an invoice prefix names one supplier (KvK number) within an organisation."""

IBAN_LENGTHS: Final[Mapping[str, int]] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GI": 23,
    "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
    "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}  # fmt: skip
"""IBAN length per country (ISO 13616 registry): the SEPA countries."""

_IBAN_SHAPE: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BTW_SHAPE: Final = re.compile(r"NL([0-9]{9})B([0-9]{2})")
_KVK_SHAPE: Final = re.compile(r"[0-9]{8}")
_ELEVEN_TEST_WEIGHTS: Final = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def mod97(text: str) -> int:
    """``text`` as one number, each letter as two digits (A=10 … Z=35), modulo 97."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def normalise_iban(value: str) -> str:
    """An IBAN as stored: without spaces, in upper case."""
    return "".join(value.split()).upper()


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + digits + bban`` a valid IBAN."""
    return f"{98 - mod97(bban + country + '00'):02d}"


def iban_error(iban: str, *, field: str = "body.iban") -> FieldError | None:
    """Why a normalised IBAN is not valid (shape, country, length, check digits), or ``None``."""
    if not _IBAN_SHAPE.fullmatch(iban):
        return FieldError(
            field=field,
            rule="iban_format",
            message="an IBAN is a country code, two check digits and 11 to 30 letters or digits",
        )
    length = IBAN_LENGTHS.get(iban[:2])
    if length is None:
        return FieldError(
            field=field,
            rule="iban_country",
            message=f"IBANs of country {iban[:2]} are not accepted",
        )
    if len(iban) != length:
        return FieldError(
            field=field,
            rule="iban_length",
            message=f"an IBAN of country {iban[:2]} has {length} characters, not {len(iban)}",
        )
    if mod97(iban[4:] + iban[:4]) != 1:
        return FieldError(
            field=field, rule="iban_checksum", message="the IBAN's check digits do not match"
        )
    return None


def is_valid_iban(value: str) -> bool:
    return iban_error(normalise_iban(value)) is None


def eleven_test(digits: str) -> bool:
    """The classic check of a Dutch btw-id's nine digits (weights 9 … 2 and -1)."""
    if len(digits) != 9 or not digits.isdigit() or digits == "0" * 9:
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(digits, _ELEVEN_TEST_WEIGHTS, strict=True)
    )
    return total % 11 == 0


def btw_id_error(btw_id: str, *, field: str = "body.btw_id") -> FieldError | None:
    """Why a Dutch btw-id is not valid, or ``None``.

    Valid when it reads NL + 9 digits + B + 2 digits and either the classic
    eleven-test on the nine digits passes or, for the btw-ids given to sole
    proprietors since 2020, the whole id taken mod 97 is 1.
    """
    match = _BTW_SHAPE.fullmatch(btw_id)
    if match is None:
        return FieldError(
            field=field, rule="btw_format", message="a btw-id reads NL, 9 digits, B and 2 digits"
        )
    if not (eleven_test(match[1]) or mod97(btw_id) == 1):
        return FieldError(
            field=field, rule="btw_checksum", message="the btw-id's check digits do not match"
        )
    return None


def is_valid_btw_id(value: str) -> bool:
    return btw_id_error(value) is None


def kvk_error(kvk_number: str, *, field: str = "body.kvk_number") -> FieldError | None:
    if _KVK_SHAPE.fullmatch(kvk_number):
        return None
    return FieldError(field=field, rule="kvk_format", message="a KvK number has 8 digits")


def exemption_error(mode: BtwMode, text: str | None) -> FieldError | None:
    """An exemption text belongs on exempt profiles only."""
    if mode == "standard" and text is not None:
        return FieldError(
            field="body.exemption_text",
            rule="exemption_text_only_when_exempt",
            message="an exemption text is only stated when btw_mode is 'exempt'",
        )
    return None


def exemption_text(mode: BtwMode, text: str | None) -> str | None:
    """The text stated on invoices: the one given, or the standard text when exempt."""
    if mode == "exempt":
        return text or DEFAULT_EXEMPTION_TEXT
    return None


def prepare(data: BillingProfileIn) -> BillingProfileIn:
    """The profile as stored (IBAN normalised, exemption text filled); refuses any broken rule."""
    iban = normalise_iban(data.iban)
    found = (
        iban_error(iban),
        btw_id_error(data.btw_id),
        kvk_error(data.kvk_number),
        exemption_error(data.btw_mode, data.exemption_text),
    )
    errors = [error for error in found if error is not None]
    if errors:
        raise RuleViolation(
            "The billing profile breaks: " + ", ".join(error.rule for error in errors) + ".",
            errors=errors,
        )
    return msgspec.structs.replace(
        data, iban=iban, exemption_text=exemption_text(data.btw_mode, data.exemption_text)
    )


def may_access(principal: Principal, facilitator_id: uuid.UUID) -> bool:
    """An admin reaches every facilitator's billing of its tenant (profile, cost sheets,
    invoices); a facilitator only their own."""
    if principal.has("admin"):
        return True
    return principal.has("facilitator") and principal.person == facilitator_id


def check_may_write(principal: Principal, facilitator_id: uuid.UUID) -> None:
    if not may_access(principal, facilitator_id):
        raise Forbidden("A facilitator may only write their own billing profile.")


def prefix_taken(prefix: str) -> Conflict:
    """A profile's prefix that another supplier of the organisation numbers with, or may."""
    return Conflict(
        f"Invoice prefix {prefix!r} belongs to another supplier (KvK number) in this "
        "organisation; choose a prefix of this supplier's own.",
        errors=[
            FieldError(
                field="body.invoice_prefix",
                rule=PREFIX_OF_ANOTHER_SUPPLIER,
                message="another supplier of this organisation numbers its invoices with it",
            )
        ],
    )


def no_prefix_of_its_own(prefix: str, kvk_number: str) -> Conflict:
    """An invoice whose prefix went to another supplier, while its own supplier has none."""
    return Conflict(
        f"Invoice prefix {prefix!r} numbers another supplier's invoices in this organisation, "
        f"and supplier {kvk_number} has no prefix of its own here: give its billing profile "
        "a prefix of its own, then try again.",
        errors=[
            FieldError(
                rule=PREFIX_OF_ANOTHER_SUPPLIER,
                message=f"prefix {prefix} belongs to another supplier",
            )
        ],
    )
