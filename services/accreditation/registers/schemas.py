from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import PathParameter

from services.kit.schemas import Outbound

from .rules import CODE_PATTERN, INPUT_PATTERN

RegisterCodePath = Annotated[
    str,
    PathParameter(
        pattern=INPUT_PATTERN,
        description="A register code such as `NOVA`; common spellings (`NOvA`, `V&VN`) also do.",
    ),
]
RegisterCode = Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]


class Register(Outbound):
    """A professional register that may count intervisie hours."""

    code: RegisterCode
    """The canonical code, upper-case: `SKJ`, `NOVA`, `MFN`, ..."""
    name: str
    """The name the register goes by: `NOvA`, `V&VN`, `Register Vaktherapie`."""
    full_name: str
    """The register's full Dutch name."""
    profession: str
    website: str | None
    counts_intervisie: bool
    """Whether intervisie may count towards (re-)registration at all; the rules come per version."""
    notes: str


class RegisterList(Outbound):
    items: list[Register]
