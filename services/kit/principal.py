"""Who is calling: the part every service's principal shares.

Plain Python (msgspec only), so a pure ``rules.py`` can take a principal. The kit knows
no role names and no domain claims: each service declares its roles and a ``Principal``
subclass with the claims that narrow it (``services/<service>/principal.py``); the kit's
verifier fills that subclass from a verified token.
"""

from __future__ import annotations

import uuid

import msgspec


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The tenant (``org_id``), the subject and the roles a verified token names."""

    subject: str
    org_id: uuid.UUID
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


BASE_FIELDS = frozenset(Principal.__struct_fields__)
