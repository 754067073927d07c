"""Debtor rules: a Peppol endpoint has a scheme and an id of that scheme's shape. Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from services.kit.errors import FieldError, RuleViolation

from .schemas import DebtorIn

ENDPOINT_SHAPES: Final[dict[str, Callable[[str], bool]]] = {
    "0106": lambda value: len(value) == 8 and value.isdigit(),  # KvK number
    "0190": lambda value: len(value) == 20 and value.isdigit(),  # OIN (Dutch government)
    "0088": lambda value: len(value) == 13 and value.isdigit(),  # GLN
    "9944": lambda value: len(value) == 14 and value.startswith("NL"),  # Dutch VAT id
}


def debtor_errors(debtor: DebtorIn, *, field: str = "body") -> list[FieldError]:
    """Why a debtor's Peppol endpoint is not usable; empty when it is (or when there is none)."""
    if (debtor.peppol_scheme is None) != (debtor.peppol_id is None):
        return [
            FieldError(
                field=f"{field}.peppol_id",
                rule="peppol_endpoint",
                message="a Peppol endpoint has both a scheme and an id",
            )
        ]
    if debtor.peppol_scheme is not None and debtor.peppol_id is not None:
        if not ENDPOINT_SHAPES[debtor.peppol_scheme](debtor.peppol_id):
            return [
                FieldError(
                    field=f"{field}.peppol_id",
                    rule="peppol_endpoint_format",
                    message=f"not an identifier of scheme {debtor.peppol_scheme}",
                )
            ]
    return []


def check(debtor: DebtorIn) -> DebtorIn:
    errors = debtor_errors(debtor)
    if errors:
        raise RuleViolation("The debtor breaks: " + errors[0].rule + ".", errors=errors)
    return debtor
