"""Path parameters every service takes the same way."""

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
"""The id a caller's own system gives a record (an HR system's employee number, say): the
upserts by external id make a retried or repeated sync change nothing."""
