"""Building a statement from the filters a request gives.

A statement written once with every filter optional (``$3::uuid IS NULL OR col = $3``) has
one plan for all requests, and that plan cannot use the index a given filter needs. Naming
only the filters given keeps each shape of request a statement of its own: asyncpg prepares
it once per connection and PostgreSQL plans it for the indexes its filters can use.
"""

from __future__ import annotations

from .pagination import Keyset


class Params:
    """Positional parameters, numbered as they are added."""

    def __init__(self, *values: object) -> None:
        self.values: list[object] = list(values)

    def __call__(self, value: object) -> str:
        """Add ``value``; its placeholder (``$n``)."""
        self.values.append(value)
        return f"${len(self.values)}"


def keyset(select: str, where: list[str], param: Params, asked: Keyset, *, key: str = "id") -> str:
    """``select`` narrowed by ``where`` to the page ``asked``: the rows after its key, in key
    order, one more than the page (``Keyset.rows``) to tell a next page exists."""
    if asked.after is not None:
        where = [*where, f"{key} > {param(asked.after)}"]
    return f"{select} WHERE {' AND '.join(where)} ORDER BY {key} LIMIT {param(asked.rows)}"
