"""The rules of the processing log and of retention, pure (ADR 0090, ADR 0091).

- A retention period is a whole number of a unit (:data:`PERIODS`); the moment before which
  a row is due is :func:`cutoff`. ``years_after_year_end`` counts from the end of the year of
  the row's date (an invoice issued in year Y, kept 7 years, is due from 1 January Y + 8).
- A tenant's setting is refused below its floor (``legal_minimum``: the law's, or the relay's
  for its own records) and above its maximum (``maximum``); a name the service does not
  retain is ``unknown_setting``.
- The processing log names the reader by subject and role only (:func:`role_of`); an
  entry says what was read: a person, a scope (a register for a bulk read), or both.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec

from ..errors import FieldError, Forbidden, RuleViolation

Period = Literal["hours", "days", "months", "years", "years_after_year_end"]
PERIODS: tuple[Period, ...] = ("hours", "days", "months", "years", "years_after_year_end")
LEGAL_MINIMUM = "legal_minimum"
MAXIMUM = "maximum"
UNKNOWN_SETTING = "unknown_setting"
SETTING_RULES = (UNKNOWN_SETTING, LEGAL_MINIMUM, MAXIMUM)
OWN_RECORDS_ONLY = "own_records_only"


class Setting(msgspec.Struct, frozen=True, kw_only=True):
    """A retention a tenant may choose: a whole number of ``unit``, at least ``minimum``
    (the floor ``basis`` states), at most ``maximum``; ``default`` until it chooses."""

    name: str
    unit: Period
    default: int
    minimum: int
    maximum: int
    description: str
    basis: str

    def __post_init__(self) -> None:
        if not self.minimum <= self.default <= self.maximum:
            raise ValueError(f"{self.name}: the default lies outside its minimum and maximum")


def _months_back(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(as_of: datetime, value: int, period: Period) -> datetime:
    """The moment before which a row kept ``value`` of ``period`` is due at ``as_of``."""
    if value < 0:
        raise ValueError("a retention is never negative")
    match period:
        case "hours":
            return as_of - timedelta(hours=value)
        case "days":
            return as_of - timedelta(days=value)
        case "months":
            return _months_back(as_of, value)
        case "years":
            return _months_back(as_of, 12 * value)
        case "years_after_year_end":
            return datetime(as_of.year - value, 1, 1, tzinfo=as_of.tzinfo or UTC)


def refusals(chosen: Mapping[str, int], settings: Iterable[Setting]) -> list[FieldError]:
    """Why ``chosen`` (setting name to value) cannot be stored; empty when it can."""
    known = {s.name: s for s in settings}
    errors = []
    for name, value in chosen.items():
        field = f"body.settings.{name}"
        setting = known.get(name)
        if setting is None:
            errors.append(
                FieldError(
                    field=field,
                    rule=UNKNOWN_SETTING,
                    message=f"not a retention of this service; one of {', '.join(sorted(known))}",
                )
            )
        elif value < setting.minimum:
            errors.append(
                FieldError(
                    field=field,
                    rule=LEGAL_MINIMUM,
                    message=f"at least {setting.minimum} {setting.unit}: {setting.basis}",
                )
            )
        elif value > setting.maximum:
            errors.append(
                FieldError(
                    field=field,
                    rule=MAXIMUM,
                    message=f"at most {setting.maximum} {setting.unit}",
                )
            )
    return errors


def check_settings(chosen: Mapping[str, int], settings: Iterable[Setting]) -> None:
    """Refuse ``chosen`` with a 422 naming each setting and rule, or let it pass."""
    if errors := refusals(chosen, settings):
        raise RuleViolation("A retention setting is refused.", errors=errors)


def role_of(roles: frozenset[str], role: str | None = None) -> str:
    """The role an entry names: the one given (which the caller must hold), else the caller's
    only role, else its roles in name order."""
    if role is not None:
        if role not in roles:
            raise ValueError(f"the caller does not hold the role {role!r}")
        return role
    return ",".join(sorted(roles))


def entry_names_something(person_id: uuid.UUID | None, scope: str | None) -> None:
    if person_id is None and not scope:
        raise ValueError("a processing log entry names a person, a scope, or both")


def readable_person(
    everyone: bool, own: uuid.UUID | None, asked: uuid.UUID | None
) -> uuid.UUID | None:
    """Whose entries a reader sees: ``None`` for the tenant's (a reader of ``everyone`` who
    asked for nobody in particular), else the person asked for or the reader's own; a reader
    of its own records asking for another's, or who is no person, is refused."""
    if everyone:
        return asked
    if own is None or (asked is not None and asked != own):
        raise Forbidden(
            "Only the entries about yourself can be read.",
            errors=[
                FieldError(
                    field="query.person_id",
                    rule=OWN_RECORDS_ONLY,
                    message="a person reads only the entries about themselves",
                )
            ],
        )
    return own
