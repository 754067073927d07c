"""The facts accreditation's preflight judges, and its answer as scheduling's warnings: pure
functions, no I/O.

- Facts: the group's members as they are after the change (each with their registrations),
  the group's size counting every member (a new member counts once they consent and accept
  the agreement, and the preflight warns of what is coming), the mode, a planned session's
  length, and the facilitator's recognitions with their roles.
- Warnings: one per warning of the preflight, its field `registers.<CODE>`, its rule the
  register rule's name; a member's own (`registered_on`) names the member.
- A preflight that cannot be asked is a warning too (rule `preflight_unavailable`), never an
  error: the change is made, and the answer says that the registers' rules were not checked.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.kit.errors import FieldError

from ..facilitators.schemas import Recognition
from ..groups.schemas import Group
from ..people.rules import full_name
from ..people.schemas import Registration
from ..sessions.schemas import Warning
from .schemas import (
    PreflightFacts,
    PreflightMember,
    PreflightRecognition,
    PreflightRegistration,
    PreflightWarning,
)

UNAVAILABLE = "preflight_unavailable"


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The preflight could not be asked, and why."""

    reason: str


Answer = list[PreflightWarning] | Unavailable


def facts(
    group: Group,
    registrations: Mapping[uuid.UUID, Sequence[Registration]],
    recognitions: Sequence[Recognition],
    *,
    mode: str,
    planned_minutes: int | None = None,
) -> PreflightFacts:
    """The group (its members now) and, for a planned session, its mode and length."""
    return PreflightFacts(
        group_size=max(len(group.members), 1),
        mode=mode,
        planned_minutes=planned_minutes,
        facilitator_recognitions=[
            PreflightRecognition(register=r.register, role=r.role) for r in recognitions
        ],
        members=[
            PreflightMember(
                person_id=m.person_id,
                registrations=[
                    PreflightRegistration(
                        register=r.register, number=r.number, registered_on=r.registered_on
                    )
                    for r in registrations.get(m.person_id, ())
                ],
            )
            for m in group.members
        ],
    )


def _unavailable_message(reason: str) -> str:
    return f"the registers' rules were not checked: accreditation's preflight {reason}"


def _message(warning: PreflightWarning, names: Mapping[uuid.UUID, str]) -> str:
    name = names.get(warning.person_id) if warning.person_id else None
    return f"{name}: {warning.message}" if name else warning.message


def group_warnings(answer: Answer, group: Group) -> list[FieldError]:
    """The preflight's answer as a group's warnings, each member named."""
    if isinstance(answer, Unavailable):
        return [
            FieldError(
                field="registers", rule=UNAVAILABLE, message=_unavailable_message(answer.reason)
            )
        ]
    names = {m.person_id: full_name(m.given_name, m.family_name) for m in group.members}
    return [
        FieldError(field=f"registers.{w.register}", rule=w.rule, message=_message(w, names))
        for w in answer
    ]


def plan_warnings(answer: Answer, group: Group) -> list[Warning]:
    """The preflight's answer as a plan's warnings (the facts hold for every occurrence): the
    group's warnings, each with the person it is about."""
    about = [None] if isinstance(answer, Unavailable) else [w.person_id for w in answer]
    return [
        Warning(field=e.field, rule=e.rule, message=e.message, person_id=person_id)
        for e, person_id in zip(group_warnings(answer, group), about, strict=True)
    ]
