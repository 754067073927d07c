"""The rules of an intervisie group: who may join, when a member counts, what to warn about, and
who may see and facilitate a group, its sessions and its calendar.

Pure functions over plain data; the repository gathers the data, the service raises what they
return.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.kit.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation

from ..principal import Principal
from ..sessions.rules import Clash
from .schemas import SizePolicy


@dataclass(frozen=True)
class MemberState:
    person_id: uuid.UUID
    name: str
    career_started_on: date | None
    consent_at: datetime | None
    accepted_agreement_version: int | None


@dataclass(frozen=True)
class GroupState:
    facilitator_id: uuid.UUID
    size: SizePolicy
    seniority_spread_warning_years: int
    agreement_version: int
    members: Sequence[MemberState]
    """Current members (not those who left)."""


def check_size_policy(size: SizePolicy) -> None:
    if not size.min <= size.recommended <= size.max:
        raise RuleViolation(
            "The size policy must satisfy min <= recommended <= max.",
            errors=[
                FieldError(
                    field="body.size",
                    rule="size_policy",
                    message=f"min {size.min}, recommended {size.recommended}, max {size.max}",
                )
            ],
        )


def counts(member: MemberState, agreement_version: int) -> bool:
    """A member counts only with voluntary consent and the current agreement accepted."""
    return member.consent_at is not None and member.accepted_agreement_version == agreement_version


def in_one_chain(
    a: uuid.UUID, b: uuid.UUID, ancestors: Mapping[uuid.UUID, frozenset[uuid.UUID]]
) -> bool:
    """True when one of the two manages the other, at any depth."""
    return b in ancestors.get(a, frozenset()) or a in ancestors.get(b, frozenset())


def refuse_member(
    state: GroupState,
    candidate: uuid.UUID,
    *,
    ancestors: Mapping[uuid.UUID, frozenset[uuid.UUID]],
) -> None:
    """Raise when ``candidate`` may not join: every reason at once, each naming its rule."""
    if any(member.person_id == candidate for member in state.members):
        raise Conflict(
            "The person is a member of this group already.",
            errors=[
                FieldError(
                    field="body.person_id", rule="already_member", message="already a member"
                )
            ],
        )
    errors = []
    if candidate == state.facilitator_id:
        errors.append(
            FieldError(
                field="body.person_id",
                rule="facilitator_not_member",
                message="the group's facilitator cannot also be a member",
            )
        )
    if len(state.members) >= state.size.max:
        errors.append(
            FieldError(
                field="body.person_id",
                rule="max_size",
                message=f"the group has its maximum of {state.size.max} members",
            )
        )
    for member in state.members:
        if in_one_chain(candidate, member.person_id, ancestors):
            errors.append(
                FieldError(
                    field="body.person_id",
                    rule="no_hierarchy",
                    message=f"a manager relation links this person and member {member.name} "
                    f"({member.person_id}); members have no hierarchical relation",
                )
            )
    if errors:
        raise RuleViolation("The person cannot join this group.", errors=errors)


def years_between(earlier: date, later: date) -> int:
    years = later.year - earlier.year
    return years - 1 if (later.month, later.day) < (earlier.month, earlier.day) else years


def warnings(state: GroupState) -> list[FieldError]:
    """What the group does not yet meet, or should know; nothing here refuses a request."""
    found = []
    counting = [m for m in state.members if counts(m, state.agreement_version)]
    if len(counting) < state.size.min:
        found.append(
            FieldError(
                field="members",
                rule="min_size",
                message=f"{len(counting)} counting members; at least {state.size.min} needed",
            )
        )
    if len(state.members) > state.size.recommended:
        found.append(
            FieldError(
                field="members",
                rule="recommended_size",
                message=f"{len(state.members)} members; {state.size.recommended} is recommended",
            )
        )
    for member in state.members:
        if member.consent_at is None:
            found.append(
                FieldError(
                    field=f"members.{member.person_id}",
                    rule="consent_missing",
                    message=f"{member.name} has not recorded voluntary consent",
                )
            )
        if member.accepted_agreement_version != state.agreement_version:
            found.append(
                FieldError(
                    field=f"members.{member.person_id}",
                    rule="agreement_not_accepted",
                    message=f"{member.name} has not accepted version {state.agreement_version}",
                )
            )
    careers = sorted(m.career_started_on for m in state.members if m.career_started_on is not None)
    if len(careers) >= 2:
        spread = years_between(careers[0], careers[-1])
        if spread > state.seniority_spread_warning_years:
            found.append(
                FieldError(
                    field="members",
                    rule="seniority_spread",
                    message=f"careers started {spread} years apart (more than "
                    f"{state.seniority_spread_warning_years}); wide seniority gaps hurt a group",
                )
            )
    return found


def check_consent(voluntary: bool) -> None:
    if not voluntary:
        raise RuleViolation(
            "Taking part in intervisie is voluntary; consent must say so.",
            errors=[FieldError(field="body.voluntary", rule="voluntary", message="must be true")],
        )


def check_acceptance(accepted: int, current: int) -> None:
    if accepted != current:
        raise RuleViolation(
            f"Only the current agreement (version {current}) can be accepted.",
            errors=[
                FieldError(
                    field="body.agreement_version",
                    rule="current_agreement",
                    message=f"version {accepted} is not the current version {current}",
                )
            ],
        )


def booked_elsewhere(own_session: uuid.UUID, clash: Clash) -> Conflict:
    """A joining person would sit in two sessions at once (the booking rule: ``sessions``):
    when the other one is, and which (``extra.session_id``) only to a caller who may read it."""
    return Conflict(
        f"Session {own_session} of this group overlaps {clash.other()} ({clash.when()}), "
        "which the person is already booked in.",
        errors=[
            FieldError(
                field="body.person_id",
                rule="double_booking",
                message=f"booked in {clash.other()}, {clash.when()}",
            )
        ],
        extra={**clash.extra(), "own_session_id": str(own_session)},
    )


def check_self_or_admin(principal: Principal, person_id: uuid.UUID) -> None:
    """Consent and acceptance are the member's own acts (an admin may record a paper form)."""
    if not (principal.has("admin") or principal.person == person_id):
        raise Forbidden("Only the member (or an admin recording their paper form) may do this.")


# Who may do what, for groups and for their sessions and calendars alike.

NOBODY = uuid.UUID(int=0)


def may_facilitate(principal: Principal, facilitator_id: uuid.UUID) -> bool:
    """An admin, or the facilitator named (role ``facilitator`` and the ``person`` claim):
    who manages a group's members and agreement, and plans, moves, cancels, records and
    closes its sessions."""
    return principal.has("admin") or (
        principal.has("facilitator") and principal.person == facilitator_id
    )


def check_facilitates(principal: Principal, facilitator_id: uuid.UUID, *, refusal: str) -> None:
    if not may_facilitate(principal, facilitator_id):
        raise Forbidden(refusal)


def check_manages(
    principal: Principal,
    *,
    facilitator_id: uuid.UUID,
    member_ids: Iterable[uuid.UUID],
    missing: str,
    refusal: str,
    errors: Sequence[FieldError] = (),
) -> None:
    """Managing a group or its sessions: its facilitator (or an admin) may; a member who may see
    it is refused (403); anyone else is told nothing exists (404, ``missing``), as for a group
    of another facilitator."""
    if may_facilitate(principal, facilitator_id):
        return
    if may_see(principal, facilitator_id=facilitator_id, member_ids=member_ids):
        raise Forbidden(refusal)
    raise NotFound(missing, errors=list(errors))


def may_see(
    principal: Principal, *, facilitator_id: uuid.UUID, member_ids: Iterable[uuid.UUID]
) -> bool:
    """An admin sees every group, session and calendar; anyone else those they facilitate or
    belong to. The rest is a 404, for a facilitator of another group as for a stranger."""
    if principal.has("admin"):
        return True
    return principal.person is not None and (
        principal.person == facilitator_id or principal.person in set(member_ids)
    )


def narrowed_to(principal: Principal) -> uuid.UUID | None:
    """Whose groups, sessions and calendars a list holds: ``None`` (everyone's) for an admin;
    for anyone else their own, whatever they ask for (nobody's without the ``person`` claim)."""
    if principal.has("admin"):
        return None
    return principal.person or NOBODY
