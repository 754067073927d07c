"""Register codes as clients write them, and the canonical code they stand for."""

from __future__ import annotations

import re
from datetime import date
from typing import Final, Protocol

import msgspec

from services.kit.errors import FieldError

CODE_PATTERN: Final = r"^[A-Z0-9_]{2,32}$"
"""A canonical register code: what the catalogue stores and answers."""

INPUT_PATTERN: Final = r"^[A-Za-z0-9_&]{2,32}$"
"""What a client may send as a code in a path: canonical codes and their common spellings."""

ALIASES: Final[dict[str, str]] = {
    "V&VN": "VVN",
    "REGISTER VAKTHERAPIE": "VAKTHERAPIE",
}
"""Spellings (after upper-casing and tidying whitespace) that are not the code itself."""

REASON_MAX_LENGTH: Final = 500
"""At most this many characters say why a rule set differs (the database checks it too)."""

FREE_IN_OVERRIDE: Final = frozenset({"source"})
"""What an override may change besides the figures the catalogue marks uncertain."""


class RuleSpecLike(Protocol):
    @property
    def group_min(self) -> int | None: ...
    @property
    def group_max(self) -> int | None: ...
    @property
    def facilitator_role(self) -> str | None: ...
    @property
    def facilitator_recognitions(self) -> list[str]: ...
    @property
    def min_session_minutes(self) -> int: ...
    @property
    def max_counted_minutes_per_session(self) -> int | None: ...
    @property
    def cap_per_year_centi(self) -> int | None: ...
    @property
    def cap_per_cycle_centi(self) -> int | None: ...
    @property
    def cycle_years(self) -> int: ...
    @property
    def required_points_centi_per_cycle(self) -> int | None: ...
    @property
    def uncertain(self) -> list[str]: ...


_SPACE = re.compile(r"\s+")


def normalise_code(raw: str) -> str:
    """The canonical code for a code as a client wrote it: ``" NOvA"`` is ``NOVA``.

    Upper-cases, strips and collapses whitespace, then resolves known aliases (``V&VN`` is
    ``VVN``). The result need not be a known, or even a well-formed, code: the catalogue
    decides.
    """
    tidy = _SPACE.sub(" ", raw.upper()).strip()
    return ALIASES.get(tidy, tidy)


def rule_spec_errors(
    spec: RuleSpecLike, *, valid_from: date, latest_valid_from: date | None
) -> list[FieldError]:
    """What a schema-valid new rule version may still get wrong, each naming its field.

    Versions do not overlap: a new one starts after the latest one (the tenant's or the
    catalogue's) started, so it never replaces a version already in force on some day."""
    errors = [*_impossible(spec), *_cycle_errors(spec)]
    if latest_valid_from is not None and valid_from <= latest_valid_from:
        errors.append(
            _error(
                "valid_from",
                "after_latest_version",
                f"a new version must start after the latest one ({latest_valid_from})",
            )
        )
    return errors


def _error(field: str, rule: str, message: str) -> FieldError:
    prefix = "body." if field == "valid_from" else "body.rules."
    return FieldError(field=prefix + field, rule=rule, message=message)


def _impossible(spec: RuleSpecLike) -> list[FieldError]:
    """Limits no session could meet."""
    errors: list[FieldError] = []
    if spec.group_max is not None and (spec.group_min or 0) > spec.group_max:
        errors.append(
            _error("group_max", "not_below_group_min", "group_max must not be below group_min")
        )
    if spec.facilitator_role is not None and not spec.facilitator_recognitions:
        errors.append(
            _error(
                "facilitator_role",
                "role_needs_recognitions",
                "a facilitator_role is the role of one of facilitator_recognitions",
            )
        )
    most = spec.max_counted_minutes_per_session
    if most is not None and most < spec.min_session_minutes:
        errors.append(
            _error(
                "max_counted_minutes_per_session",
                "not_below_min_session",
                "no session could count: at most fewer minutes than a session needs",
            )
        )
    return errors


def _cycle_errors(spec: RuleSpecLike) -> list[FieldError]:
    """A cycle's requirement that its own caps would never let anyone meet."""
    required = spec.required_points_centi_per_cycle
    if required is None:
        return []
    caps = [spec.cap_per_cycle_centi]
    if spec.cap_per_year_centi is not None:
        caps.append(spec.cap_per_year_centi * spec.cycle_years)
    most = min((cap for cap in caps if cap is not None), default=None)
    if most is None or required <= most:
        return []
    return [
        _error(
            "required_points_centi_per_cycle",
            "within_cycle_cap",
            f"the caps let at most {most} count per cycle, less than required",
        )
    ]


def override_errors(override: msgspec.Struct, catalogue: RuleSpecLike) -> list[FieldError]:
    """Each figure an override changes that the catalogue does not mark uncertain.

    ``override`` and ``catalogue`` are the same kind of rule spec; an override may change the
    catalogue's uncertain figures and ``FREE_IN_OVERRIDE``, nothing else."""
    free = {*catalogue.uncertain, *FREE_IN_OVERRIDE}
    return [
        _error(
            name,
            "certain_figure",
            f"the catalogue's {name} is certain; only "
            f"{', '.join(sorted(catalogue.uncertain)) or 'no figure'} may be overridden",
        )
        for name in override.__struct_fields__
        if name not in free and getattr(override, name) != getattr(catalogue, name)
    ]


def code_errors(code: str) -> list[FieldError]:
    if re.search(CODE_PATTERN, code) and "\n" not in code:
        return []
    return [
        FieldError(
            field="path.code",
            rule="canonical_code",
            message="a new register's code is 2-32 of A-Z, 0-9 and _",
        )
    ]
