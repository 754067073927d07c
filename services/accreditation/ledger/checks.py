"""Each register rule against the one fact it judges: pure functions, no I/O.

The ledger's :func:`~.rules.judge` asks them of a closed session, the preflight
(``services/accreditation/preflight``) of a group or a planned session, so that a warning
before and a refusal after name the same rule for the same reason. Each yields a
:class:`Reason` per rule the fact breaks; every figure comes from the register's
:class:`RuleSpec`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import date

from ..registers.schemas import RuleSpec
from .schemas import Reason, RecognitionRoleIn


def cycle_anchor(rules: RuleSpec, registered_on: date | None) -> date | None:
    """Where a person's cycles are aligned for these rules; ``None`` when it is not known."""
    if rules.cycle_alignment == "calendar_year":
        return date(rules.cycle_anchor.year, 1, 1)
    if rules.cycle_alignment == "fixed":
        return rules.cycle_anchor
    return registered_on


def online_reasons(
    joined: str, *, session_mode: str, register_code: str, rules: RuleSpec
) -> Iterator[Reason]:
    """Taking part online (``joined``) where the register counts face-to-face hours only."""
    if joined == "online" and not rules.online_counts:
        how = "" if session_mode == "online" else "the attendee joined online; "
        yield Reason(rule="online", message=f"{how}{register_code} does not count online hours")


def length_reasons(minutes: int, *, register_code: str, rules: RuleSpec) -> Iterator[Reason]:
    """A session of ``minutes`` shorter than the register counts."""
    if minutes < rules.min_session_minutes:
        yield Reason(
            rule="min_session_minutes",
            message=f"a session of {minutes} min; {register_code} needs at least "
            f"{rules.min_session_minutes}",
        )


def size_reasons(size: int, *, register_code: str, rules: RuleSpec) -> Iterator[Reason]:
    """A group of ``size`` members against the register's minimum and maximum."""
    if rules.group_min is not None and size < rules.group_min:
        yield Reason(
            rule="group_min",
            message=f"a group of {size}; {register_code} needs at least {rules.group_min}",
        )
    if rules.group_max is not None and size > rules.group_max:
        yield Reason(
            rule="group_max",
            message=f"a group of {size}; {register_code} allows at most {rules.group_max}",
        )


def facilitator_reasons(
    recognitions: Collection[str], roles: Iterable[RecognitionRoleIn], *, rules: RuleSpec
) -> Iterator[Reason]:
    """Recognised (``recognitions``: canonical codes; ``roles``: the role each gives) by one of
    the bodies the register accepts, in the role it requires."""
    wanted = rules.facilitator_recognitions
    if not wanted:
        return
    roles = [r for r in roles if r.register in wanted]
    if not set(wanted) & {*recognitions, *(r.register for r in roles)}:
        yield Reason(
            rule="facilitator_recognition",
            message=f"the facilitator must be recognised by one of {', '.join(wanted)}",
        )
    elif rules.facilitator_role is not None and not any(
        r.role.strip().casefold() == rules.facilitator_role.strip().casefold() for r in roles
    ):
        yield Reason(
            rule="facilitator_role",
            message=f"the facilitator must be recognised as {rules.facilitator_role} by one of "
            f"{', '.join(wanted)}",
        )


def registration_date_reasons(
    registered_on: date | None, *, register_code: str, rules: RuleSpec
) -> Iterator[Reason]:
    """A registration without the date the register's cycles run from."""
    if cycle_anchor(rules, registered_on) is None:
        yield Reason(
            rule="registered_on",
            message=f"{register_code}'s cycles run from the registration date: "
            "`registered_on` is needed",
        )
