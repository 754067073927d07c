"""Only the person themself grants or revokes consent to a register."""

from __future__ import annotations

import uuid

from services.kit.errors import Forbidden

from ..principal import Principal


def consenting_person(principal: Principal) -> uuid.UUID:
    if principal.person is None:
        raise Forbidden("Consent is the participant's own: the token must name a person.")
    return principal.person
