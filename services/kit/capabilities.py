"""Capability tokens: a secret in a URL that is itself the permission, for clients that send
no headers (a calendar app polling a feed URL).

A token is ``kcap_`` and 256 random bits (43 base64url characters). Only its SHA-256 is
stored, so a copy of the database opens no URL; a request's token is hashed and looked up by
that hash, an equality on a digest the caller cannot steer, so no comparison leaks a prefix
of a stored secret. The prefix makes the token recognisable: the logs cut it out wherever it
stands (:mod:`.redaction`), the request log's path included.

A request a capability authorises has no principal, so the authentication's rate limits
(:mod:`.ratelimit`) do not see it; :func:`admit` applies them once the capability is found:
the tenant's bucket, shared with its authenticated callers, and a client bucket of the
capability's own.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from typing import Any

from .observability import RESPONSE_HEADERS
from .principal import Principal
from .ratelimit import Limiter
from .ratelimit import admit as admit_principal
from .redaction import CAPABILITY_PREFIX

ADMITS_ITSELF = "admits_itself"
"""The ``opt`` flag of a handler a capability authorises: it takes its rate limits itself
(:func:`admit`), so the policy guard does not count it as the public's call as well."""
TOKEN_BYTES = 32
_TOKEN = re.compile(rf"^{CAPABILITY_PREFIX}[A-Za-z0-9_-]{{43}}$")


def new_token() -> str:
    """A new capability token (256 bits from the operating system's CSPRNG)."""
    return CAPABILITY_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> bytes | None:
    """The SHA-256 a token is stored as; ``None`` for text that is no token (it opens nothing,
    and needs no lookup)."""
    if not _TOKEN.match(token):
        return None
    return hashlib.sha256(token.encode()).digest()


def admit(limiter: Limiter | None, scope: Any, *, org_id: uuid.UUID, capability: uuid.UUID) -> None:
    """Take the request's units from its tenant's bucket and the capability's own (client
    ``capability:<id>``), or refuse it with a 429, as :func:`.ratelimit.admit` does for a
    principal; the answer carries the ``RateLimit`` headers either way."""
    if limiter is None:
        return
    holder = Principal(subject=f"capability:{capability}", org_id=org_id, roles=frozenset())
    admit_principal(limiter, holder, scope.get(RESPONSE_HEADERS))
