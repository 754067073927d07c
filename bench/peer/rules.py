"""Register codes, registration number spellings and page cursors, as Kring handles them."""

from __future__ import annotations

import base64
import re
import uuid

NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$"
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{22}$"
ALIASES = {"V&VN": "VVN", "REGISTER VAKTHERAPIE": "VAKTHERAPIE"}
_SPACE = re.compile(r"\s+")


def normalise_code(raw: str) -> str:
    """The canonical register code: upper-cased, whitespace tidied, known aliases resolved."""
    tidy = _SPACE.sub(" ", raw.upper()).strip()
    return ALIASES.get(tidy, tidy)


def spellings(register_code: str, number: str) -> list[str]:
    """A registration number with and without the register's prefix (`NIP-00123456`)."""
    prefix = f"{register_code}-"
    full = number if number.upper().startswith(prefix) else prefix + number
    return [full, full[len(prefix) :]]


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> uuid.UUID:
    """The id a page starts after; raises ``ValueError`` for a cursor not issued here."""
    return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
