"""What a group or a planned session will cost its members' registers: pure functions, no I/O.

Each register the members hold is judged by the checks the ledger refuses with
(``ledger/checks.py``), against the version of its rules in force today, so a warning now
names the rule a refusal would name later:

- the group's size (`group_min`, `group_max`);
- the facilitator's recognition and its role (`facilitator_recognition`, `facilitator_role`);
- a session held online, or hybrid where members may join online (`online`);
- a planned session's length (`min_session_minutes`);
- each member's registration date, where the register's cycles run from it (`registered_on`).

What only the meeting shows (who comes, how long each stays) is judged when it closes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

from services.kit.errors import FieldError
from services.kit.subjects import bsn_refused, looks_like_bsn

from ..ledger import checks
from ..ledger.schemas import Reason, RecognitionRoleIn
from ..registers.rules import normalise_code
from ..registers.schemas import RuleSpec
from .schemas import PreflightIn, PreflightRegistration, PreflightWarning

Holders = list[tuple[uuid.UUID, PreflightRegistration]]


def input_errors(data: PreflightIn) -> list[FieldError]:
    """What makes schema-valid facts impossible, each naming its field."""
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for i, member in enumerate(data.members):
        if member.person_id in seen:
            errors.append(_error(f"members[{i}].person_id", "unique", "each person once"))
        seen.add(member.person_id)
        codes = [normalise_code(r.register) for r in member.registrations]
        if len(codes) != len(set(codes)):
            errors.append(
                _error(f"members[{i}].registrations", "unique", "one registration per register")
            )
        errors += [
            bsn_refused(f"body.members[{i}].registrations[{j}].number")
            for j, r in enumerate(member.registrations)
            if r.number is not None and looks_like_bsn(r.number, r.register)
        ]
    if len(data.members) > data.group_size:
        errors.append(
            _error("group_size", "covers_members", f"the group has {len(data.members)} members")
        )
    return errors


def _error(field: str, rule: str, message: str) -> FieldError:
    return FieldError(field=f"body.{field}", rule=rule, message=message)


def holders(data: PreflightIn) -> dict[str, Holders]:
    """Who holds which register (canonical codes, in the order the members name them)."""
    held: dict[str, Holders] = {}
    for member in data.members:
        for registration in member.registrations:
            code = normalise_code(registration.register)
            held.setdefault(code, []).append((member.person_id, registration))
    return held


def _roles(data: PreflightIn) -> list[RecognitionRoleIn]:
    return [
        RecognitionRoleIn(register=normalise_code(r.register), role=r.role)
        for r in data.facilitator_recognitions
        if r.role is not None
    ]


def _group_reasons(data: PreflightIn, *, code: str, rules: RuleSpec) -> Iterator[Reason]:
    """The register's rules the group or session breaks whoever of its members holds it."""
    yield from checks.size_reasons(data.group_size, register_code=code, rules=rules)
    recognitions = [normalise_code(r.register) for r in data.facilitator_recognitions]
    yield from checks.facilitator_reasons(recognitions, _roles(data), rules=rules)
    if data.mode != "in_person":
        for reason in checks.online_reasons(
            "online", session_mode="online", register_code=code, rules=rules
        ):
            how = "members who join online: " if data.mode == "hybrid" else ""
            yield Reason(rule=reason.rule, message=how + reason.message)
    if data.planned_minutes is not None:
        yield from checks.length_reasons(data.planned_minutes, register_code=code, rules=rules)


def register_warnings(
    data: PreflightIn, *, code: str, rules: RuleSpec, held_by: Holders
) -> list[PreflightWarning]:
    """Every rule of one register (``rules``, in force today) the facts break."""
    warnings = [_warning(code, r) for r in _group_reasons(data, code=code, rules=rules)]
    for person_id, registration in held_by:
        dates = checks.registration_date_reasons(
            registration.registered_on, register_code=code, rules=rules
        )
        warnings += [_warning(code, r, person_id=person_id) for r in dates]
    return warnings


def _warning(code: str, reason: Reason, *, person_id: uuid.UUID | None = None) -> PreflightWarning:
    return PreflightWarning(
        register=code, rule=reason.rule, message=reason.message, person_id=person_id
    )


def unknown_register(
    code: str, held_by: Iterable[tuple[uuid.UUID, PreflightRegistration]]
) -> list[PreflightWarning]:
    """A register without rules in force: none of its holders' hours can be counted."""
    return [
        PreflightWarning(
            register=code,
            rule="register",
            message=f"no rules of a register {code!r} are in force: its hours cannot be counted",
            person_id=person_id,
        )
        for person_id, _ in held_by
    ]
