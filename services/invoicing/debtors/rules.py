"""Debtor rules: a Peppol endpoint has a scheme and an id of that scheme's shape, and a Dutch
invoice needs its debtor's name and address (a government buyer also its order number). Pure.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Final

from services.kit.errors import FieldError, RuleViolation

from ..principal import Principal
from .schemas import Debtor, DebtorIn, StoredDebtor

NOBODY: Final = uuid.UUID(int=0)
"""No one's id: what a claim that is missing narrows a caller to."""


def seen_by(principal: Principal) -> uuid.UUID | None:
    """Whose view of the tenant's debtors the caller has: ``None`` for an admin (every one),
    else the facilitator's (organisations' debtors, and the own debtors and billing choices
    of the people they bill: ADR 0102)."""
    if principal.has("admin"):
        return None
    return principal.person or NOBODY


OIN_SCHEME: Final = "0190"
"""The Peppol scheme of an OIN: the buyer is a Dutch government body."""

ENDPOINT_SHAPES: Final[dict[str, Callable[[str], bool]]] = {
    "0106": lambda value: len(value) == 8 and value.isdigit(),  # KvK number
    OIN_SCHEME: lambda value: len(value) == 20 and value.isdigit(),  # OIN (Dutch government)
    "0088": lambda value: len(value) == 13 and value.isdigit(),  # GLN
    "9944": lambda value: len(value) == 14 and value.startswith("NL"),  # Dutch VAT id
}

ADDRESS: Final = ("name", "street", "postal_code", "city", "country_code")
"""What the Belastingdienst requires of the customer on every invoice: name and address."""
ENDPOINT_RULES: Final = ("peppol_endpoint", "peppol_endpoint_format")
"""The rules of :func:`debtor_errors` (a 422 each where a debtor is written)."""
INCOMPLETE_RULES: Final = ("required", "order_number_required")
"""The rules of :func:`missing` for a debtor that is there."""
MISSING_RULES: Final = ("debtor_required", *INCOMPLETE_RULES)
"""Every rule of :func:`missing`."""


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


def missing(debtor: Debtor | None, *, field: str = "debtor") -> list[FieldError]:
    """What an invoice to ``debtor`` lacks before it may be issued; empty when nothing.

    No debtor at all (``debtor_required``); an empty part of the name and address
    (``required``); a government buyer (OIN, scheme 0190) without the order number or
    buyer reference its gateway requires (``order_number_required``).
    """
    if debtor is None:
        return [
            FieldError(
                field=field,
                rule="debtor_required",
                message="nobody to bill: link a debtor to the participant's client "
                "organisation, or record the person's billing choice",
            )
        ]
    errors = [
        FieldError(field=f"{field}.{part}", rule="required", message=f"the debtor has no {part}")
        for part in ADDRESS
        if not getattr(debtor, part).strip()
    ]
    if debtor.peppol_scheme == OIN_SCHEME and not debtor.buyer_reference:
        errors.append(
            FieldError(
                field=f"{field}.buyer_reference",
                rule="order_number_required",
                message="a government buyer (OIN) requires its order number or buyer reference",
            )
        )
    return errors


def snapshot(debtor: DebtorIn | StoredDebtor) -> Debtor:
    """The debtor's data as an invoice keeps it."""
    return Debtor(**{name: getattr(debtor, name) for name in Debtor.__struct_fields__})
