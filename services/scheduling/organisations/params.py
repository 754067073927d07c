"""The path parameters of client organisations; people take the same external id."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter

ExternalIdPath = Annotated[
    str,
    PathParameter(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:@-]+$",
        description="The caller's own identifier (letters, digits and . _ : @ -).",
    ),
]
