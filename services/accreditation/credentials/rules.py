"""Who may have which credential, what may be certified, and what a verification answers:
pure functions, no I/O.

- **Reading**: an admin reads every credential of the tenant; a participant their own (claim
  `person`); a registration body (claim `register`) those of its register, of registrants
  who consent to it. Anyone else, and anything else: 404, as for the ledger.
- **Issuing** is the person's own (a participant) or an admin's for anyone. A participant who
  names someone else is refused (403, `own_credentials_only`); an admin names the person
  (`person_required`).
- **What may be certified**: a credit that stands. A judgement that refused the attendance
  (`outcome_refused`), one that waits for data (`outcome_pending`), a credit that was
  reversed (`entry_reversed`): each is a 422 naming its rule. A period statement needs a
  standing credit or a countersigned reflection statement in the cycle (`nothing_to_state`).
- **Verification**: a token that is no compact JWS is a 422 (`compact_jws`); otherwise the
  answer is `tampered` or `unknown` (what the token proves, ``jose.examine``), then `unknown`
  when it was never issued here, `revoked` when its status bit is set, else `valid`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date

from services.kit.errors import FieldError, Forbidden, RuleViolation

from ..ledger.schemas import LedgerEntry
from ..principal import Principal
from ..registers.rules import normalise_code
from .schemas import Check

RULES_ISSUE = ("person_required", "outcome_refused", "outcome_pending", "entry_reversed")
RULES_VERIFY = ("compact_jws",)


def may_read(
    principal: Principal, *, person_id: uuid.UUID, register_code: str, consented: bool
) -> bool:
    if principal.has("admin") or (principal.has("participant") and principal.person == person_id):
        return True
    return (
        principal.has("registrar")
        and principal.register is not None
        and normalise_code(principal.register) == register_code
        and consented
    )


def subject_of(principal: Principal, person_id: uuid.UUID | None) -> uuid.UUID:
    """Whose credential a caller issues: a participant only their own, an admin whom it names."""
    if principal.has("admin"):
        if person_id is None:
            raise RuleViolation(
                "An admin names the person it acts for.",
                errors=[
                    FieldError(
                        field="body.person_id",
                        rule="person_required",
                        message="an admin names the person",
                    )
                ],
            )
        return person_id
    if principal.person is None or (person_id is not None and person_id != principal.person):
        raise Forbidden(
            "A participant issues only their own credentials.",
            errors=[
                FieldError(
                    field="body.person_id",
                    rule="own_credentials_only",
                    message="not the caller's own attendance",
                )
            ],
        )
    return principal.person


def people_of(
    principal: Principal, person_ids: Sequence[uuid.UUID] | None
) -> list[uuid.UUID] | None:
    """Whose cycles a caller certifies (``None``: an admin's everyone in the cycle)."""
    if principal.has("admin"):
        return list(dict.fromkeys(person_ids)) if person_ids else None
    wanted: Sequence[uuid.UUID | None] = person_ids or [None]
    return list(dict.fromkeys(subject_of(principal, p) for p in wanted))


def refusal(status: str, *, reversed_: bool, reasons: Iterable[str] = ()) -> FieldError | None:
    """Why an outcome cannot be certified (``None``: it can)."""
    why = ", ".join(reasons)
    if status == "refused":
        return FieldError(
            field="body.session_id",
            rule="outcome_refused",
            message=f"the attendance does not count for the register ({why})",
        )
    if status == "pending":
        return FieldError(
            field="body.session_id",
            rule="outcome_pending",
            message=f"the attendance waits for data before it counts ({why})",
        )
    if reversed_:
        return FieldError(
            field="body.session_id",
            rule="entry_reversed",
            message="the credit was reversed: it no longer counts",
        )
    return None


def refuse(error: FieldError) -> RuleViolation:
    return RuleViolation(f"No credential can be issued: {error.message}.", errors=[error])


def live_credits(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The credits among ``entries`` that no entry among them reverses."""
    listed = list(entries)
    reversed_ids = {e.reverses_id for e in listed if e.kind == "reversal"}
    return [e for e in listed if e.kind == "credit" and e.id not in reversed_ids]


def cycle_on(entries: Iterable[LedgerEntry], day: date) -> tuple[date, date] | None:
    """The cycle of a person's entries in a register that holds ``day``."""
    for entry in entries:
        if entry.cycle_start <= day <= entry.cycle_end:
            return entry.cycle_start, entry.cycle_end
    return None


def no_cycle(day: date) -> FieldError:
    return FieldError(
        field="body.on",
        rule="no_cycle",
        message=f"the person has no ledger entry in the register in a cycle holding {day}",
    )


def nothing_to_state() -> FieldError:
    return FieldError(
        field="body.on",
        rule="nothing_to_state",
        message="no standing credit and no countersigned reflection statement in the cycle",
    )


def malformed(message: str) -> RuleViolation:
    return RuleViolation(
        "The credential cannot be read.",
        errors=[FieldError(field="body.credential", rule="compact_jws", message=message)],
    )


def issued_check(found: bool, *, same: bool) -> Check:
    if not found:
        message = "no credential with this id was issued by this service"
    elif not same:
        message = "a credential with this id was issued, but not these bytes"
    else:
        message = "issued by this service as it stands"
    return Check(check="issued", passed=found and same, message=message)


def status_check(*, revoked: bool, list_number: int, index: int, reason: str | None) -> Check:
    where = f"bit {index} of status list {list_number}"
    if revoked:
        return Check(check="status", passed=False, message=f"revoked ({where} is set): {reason}")
    return Check(check="status", passed=True, message=f"not revoked ({where} is clear)")
