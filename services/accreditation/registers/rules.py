"""Register codes as clients write them, and the canonical code they stand for."""

from __future__ import annotations

import re
from datetime import date
from typing import Final, Protocol

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


class RuleSpecLike(Protocol):
    @property
    def group_min(self) -> int | None: ...
    @property
    def group_max(self) -> int | None: ...
    @property
    def facilitator_role(self) -> str | None: ...
    @property
    def facilitator_recognitions(self) -> list[str]: ...


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
    """What a schema-valid new rule version may still get wrong, each naming its field."""
    errors: list[FieldError] = []
    if (
        spec.group_min is not None
        and spec.group_max is not None
        and spec.group_min > spec.group_max
    ):
        errors.append(
            FieldError(
                field="body.rules.group_max",
                rule="not_below_group_min",
                message="group_max must not be below group_min",
            )
        )
    if spec.facilitator_role is not None and not spec.facilitator_recognitions:
        errors.append(
            FieldError(
                field="body.rules.facilitator_role",
                rule="role_needs_recognitions",
                message="a facilitator_role is the role of one of facilitator_recognitions",
            )
        )
    if latest_valid_from is not None and valid_from < latest_valid_from:
        errors.append(
            FieldError(
                field="body.valid_from",
                rule="not_before_latest_version",
                message=f"a new version may not start before the latest one ({latest_valid_from})",
            )
        )
    return errors


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
