"""Register codes as clients write them, and the canonical code they stand for."""

from __future__ import annotations

import re
from typing import Final

CODE_PATTERN: Final = r"^[A-Z0-9_]{2,32}$"
"""A canonical register code: what the catalogue stores and answers."""

INPUT_PATTERN: Final = r"^[A-Za-z0-9_&]{2,32}$"
"""What a client may send as a code in a path: canonical codes and their common spellings."""

ALIASES: Final[dict[str, str]] = {
    "V&VN": "VVN",
    "REGISTER VAKTHERAPIE": "VAKTHERAPIE",
}
"""Spellings (after upper-casing and tidying whitespace) that are not the code itself."""

_SPACE = re.compile(r"\s+")


def normalise_code(raw: str) -> str:
    """The canonical code for a code as a client wrote it: ``" NOvA"`` is ``NOVA``.

    Upper-cases, strips and collapses whitespace, then resolves known aliases (``V&VN`` is
    ``VVN``). The result need not be a known, or even a well-formed, code: the catalogue
    decides.
    """
    tidy = _SPACE.sub(" ", raw.upper()).strip()
    return ALIASES.get(tidy, tidy)
