"""What scheduling's part of a person's erasure makes of them (ADR 0094): a pseudonym where
their name stood, nothing where an identifier stood, and the same in the snapshots of the
events it announced about them earlier."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

ERASED_GIVEN_NAME = "Erased"
ERASED_FAMILY_NAME = "person"
ERASED_NAME = f"{ERASED_GIVEN_NAME} {ERASED_FAMILY_NAME}"
"""How an erased person is named to others (a group's members, a proof, an event)."""


def erased_external_id(person_id: uuid.UUID) -> str:
    """The external id an erased person keeps (unique, as every person's is; it says nothing
    about the HR system's own id, which is gone)."""
    return f"erased-{person_id}"


def erased_key(org_id: uuid.UUID, external_id: str) -> bytes:
    """What an erasure keeps of the HR system's id for the person (ADR 0098): the SHA-256 of
    the tenant's 16 bytes followed by the id in UTF-8. Enough to recognise the id when a sync
    sends it again; not the id. The tenant's fixed-length prefix keeps two tenants' keys of
    one id apart and makes the concatenation unambiguous."""
    return hashlib.sha256(org_id.bytes + external_id.encode()).digest()


_REPLACED: dict[str, Any] = {
    "name": ERASED_NAME,
    "given_name": ERASED_GIVEN_NAME,
    "family_name": ERASED_FAMILY_NAME,
    "email": None,
    "external_id": None,
    "registrations": [],
    "recognitions": [],
    "number": None,
    "registration_number": None,
}
"""The fields of an object naming the person (by ``person_id``) that an erasure replaces."""


def redacted(value: Any, person_id: uuid.UUID, *, name: str | None = None) -> Any:
    """``value`` (an event's snapshot, at any depth) with each object that is about
    ``person_id`` stripped of the person's name and identifiers, and their full ``name`` where
    free text holds it (a session's description) replaced by :data:`ERASED_NAME`; everything
    else as it was."""
    if isinstance(value, str):
        return value.replace(name, ERASED_NAME) if name and name in value else value
    if isinstance(value, list):
        return [redacted(item, person_id, name=name) for item in value]
    if not isinstance(value, dict):
        return value
    about = str(value.get("person_id")) == str(person_id)
    return {
        key: _REPLACED[key] if about and key in _REPLACED else redacted(item, person_id, name=name)
        for key, item in value.items()
    }
