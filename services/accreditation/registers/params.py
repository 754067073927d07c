"""The registers' HTTP parameters (Litestar markers), kept out of the msgspec-only schemas."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

from .rules import INPUT_PATTERN

RegisterCodePath = Annotated[
    str,
    PathParameter(
        pattern=INPUT_PATTERN,
        description="A register code such as `NOVA`; common spellings (`NOvA`, `V&VN`) also do.",
    ),
]
