"""What a facilitator's profile must satisfy."""

from __future__ import annotations

from services.kit.errors import FieldError, RuleViolation
from services.kit.subjects import bsn_refused, looks_like_bsn

from .schemas import Recognition


def check_recognitions(recognitions: list[Recognition]) -> None:
    """One recognition per register and role, its number never a BSN."""
    seen: set[tuple[str, str]] = set()
    errors = []
    for index, recognition in enumerate(recognitions):
        key = (recognition.register, recognition.role)
        if key in seen:
            errors.append(
                FieldError(
                    field=f"body.recognitions[{index}]",
                    rule="unique_recognition",
                    message=f"{recognition.register} {recognition.role} appears more than once",
                )
            )
        seen.add(key)
        if recognition.number is not None and looks_like_bsn(
            recognition.number, recognition.register
        ):
            errors.append(bsn_refused(f"body.recognitions[{index}].number"))
    if errors:
        raise RuleViolation(
            "A recognition may appear only once, and its number is never a BSN.", errors=errors
        )
