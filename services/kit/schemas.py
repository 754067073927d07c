"""The two base Structs of the wire format.

- ``Inbound``: what clients send. Strict: unknown fields are refused, nothing is
  silently dropped.
- ``Outbound``: what services answer. Clients must tolerate fields added later.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

import msgspec

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Inbound(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Also refuses control characters in strings (``multiline`` fields may hold line breaks).

    Patterns alone cannot: Python's ``$`` matches before a final newline, JSON Schema's does not.
    """

    multiline: ClassVar[frozenset[str]] = frozenset()
    examples: ClassVar[tuple[dict[str, Any], ...]] = ()
    """Whole, valid values of this Struct, published as its schema's ``examples``: a client
    (and schemathesis) can send one as it stands. Ids in them are for reading only."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            values = value if isinstance(value, (list, tuple)) else (value,)
            control = _LINE_CONTROL if name in self.multiline else _CONTROL
            if any(isinstance(v, str) and control.search(v) for v in values):
                raise ValueError(f"`{name}` must not contain control characters")


class Outbound(msgspec.Struct, kw_only=True, frozen=True):
    pass


# Strings PostgreSQL can store and a reader can see: no control characters (NUL above all).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
LINE_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Printable text that may hold line breaks and tabs (an ``Inbound`` Struct's ``multiline``)."""
PRINTABLE_NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"

Name = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=PRINTABLE_NOT_BLANK,
        description="Printable text with at least one non-space character.",
    ),
]
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=r"^[^@\x00-\x20\x7f]+@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+$",
        description="An e-mail address.",
    ),
]
