"""Who may write and read which people."""

from __future__ import annotations

import uuid

from services.kit.auth import Principal
from services.kit.errors import FieldError, Forbidden, RuleViolation

from .schemas import Registration

NOBODY = uuid.UUID(int=0)


def employer_to_write(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID | None:
    """An HR client writes only people of its own client organisation; an admin writes any."""
    if principal.has("admin"):
        return requested
    own = principal.client_org
    if own is None:
        raise Forbidden("This HR client's token names no client organisation (claim 'client_org').")
    if requested is not None and requested != own:
        raise Forbidden(
            "An HR client may only write people employed by its own client organisation.",
            errors=[
                FieldError(
                    field="body.employer_id",
                    rule="own_organisation",
                    message="not your organisation",
                )
            ],
        )
    return own


def visible_employer(principal: Principal) -> uuid.UUID | None:
    """The employer a reader is narrowed to; ``None`` means every person of the tenant."""
    if principal.has("admin", "facilitator"):
        return None
    return principal.client_org or NOBODY


def may_read(principal: Principal, *, person_id: uuid.UUID, employer_id: uuid.UUID | None) -> bool:
    if principal.has("admin", "facilitator"):
        return True
    if principal.person is not None and principal.person == person_id:
        return True
    return (
        principal.has("hr")
        and principal.client_org is not None
        and principal.client_org == employer_id
    )


def employer_filter(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID | None:
    """The employer a list is filtered on: the one asked for, within what the reader may see."""
    visible = visible_employer(principal)
    if visible is None:
        return requested
    return visible if requested in (None, visible) else NOBODY


def check_registrations(registrations: list[Registration]) -> None:
    """A register appears at most once in a person's registrations."""
    seen: set[str] = set()
    errors = []
    for index, registration in enumerate(registrations):
        if registration.register in seen:
            errors.append(
                FieldError(
                    field=f"body.registrations[{index}].register",
                    rule="unique_register",
                    message=f"{registration.register} appears more than once",
                )
            )
        seen.add(registration.register)
    if errors:
        raise RuleViolation(
            "A register may appear only once in a person's registrations.", errors=errors
        )
