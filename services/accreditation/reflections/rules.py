"""The reflection statement's rules (pure): who asks, who countersigns, under what recognition.

- A participant asks for their own statement, an admin for anyone's (as credentials are
  issued); never of oneself as supervisor (`own_supervisor`).
- The register's rules as data (``reflection_rules``) name the bodies whose supervisors may
  countersign; a register without them asks for no statement (`no_reflection_statement`).
- Only the supervisor the request names countersigns (the token's `person`), as a facilitator
  or with the claim `supervisor`; anyone else who may see the statement is refused (403,
  `not_the_supervisor`). A recognition by a body the register does not accept is refused
  (`supervisor_recognition`). A statement is countersigned once (409).
- It is read by the person, the supervisor it names, and an admin; anyone else gets 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from services.kit.errors import Conflict, FieldError, Forbidden, RuleViolation
from services.kit.subjects import bsn_refused, looks_like_bsn

from ..principal import Principal
from ..registers.rules import normalise_code

RULES_REQUEST = ("person_required", "no_reflection_statement", "no_cycle", "own_supervisor")
RULES_COUNTERSIGN = ("supervisor_recognition", "bsn")


def may_read(principal: Principal, *, person_id: uuid.UUID, supervisor_id: uuid.UUID) -> bool:
    return principal.has("admin") or principal.person in (person_id, supervisor_id)


def check_request(
    *, person_id: uuid.UUID, supervisor_id: uuid.UUID, accepted: Sequence[str] | None, code: str
) -> None:
    errors = []
    if accepted is None:
        errors.append(
            FieldError(
                field="body.register",
                rule="no_reflection_statement",
                message=f"{code} asks for no reflection statement",
            )
        )
    if supervisor_id == person_id:
        errors.append(
            FieldError(
                field="body.supervisor_id",
                rule="own_supervisor",
                message="a person does not countersign their own reflection",
            )
        )
    if errors:
        raise RuleViolation("The reflection statement cannot be requested.", errors=errors)


def check_countersigner(
    principal: Principal, *, supervisor_id: uuid.UUID, countersigned: bool
) -> None:
    if principal.person != supervisor_id or not (
        principal.has("facilitator") or principal.supervisor
    ):
        raise Forbidden(
            "Only the supervisor the statement names countersigns it.",
            errors=[
                FieldError(
                    rule="not_the_supervisor",
                    message="the token's person is not the statement's supervisor, as a "
                    "facilitator or with the claim 'supervisor'",
                )
            ],
        )
    if countersigned:
        raise Conflict("The reflection statement is countersigned already.")


def check_recognition(register: str, number: str, *, accepted: Sequence[str], code: str) -> None:
    if looks_like_bsn(number, register):
        raise RuleViolation(
            "A supervisor's registration number is never a BSN.",
            errors=[bsn_refused("body.recognition.number")],
        )
    if normalise_code(register) not in accepted:
        raise RuleViolation(
            "The recognition does not qualify for this reflection statement.",
            errors=[
                FieldError(
                    field="body.recognition.register",
                    rule="supervisor_recognition",
                    message=f"{code} accepts supervisors registered with "
                    f"{', '.join(accepted)}, not {register}",
                )
            ],
        )
