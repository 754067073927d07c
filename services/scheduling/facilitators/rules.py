"""What a facilitator's profile must satisfy."""

from __future__ import annotations

from services.kit.errors import FieldError, RuleViolation

from .schemas import Recognition


def check_recognitions(recognitions: list[Recognition]) -> None:
    """One recognition per register and role."""
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
    if errors:
        raise RuleViolation("A recognition may appear only once.", errors=errors)
