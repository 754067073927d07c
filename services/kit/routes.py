"""Route decorators for the writes that create nothing new, each answering 200.

A create is Litestar's ``post`` (201). Two other writes recur in every service:

- :func:`action`: a POST on what exists (close a session, issue an invoice, record a
  consent), answering 200 with the result;
- :func:`upsert`: a PUT by the caller's own key, answering 200 with the updated resource or
  201 with a created one (``openapi.upserted`` picks the status).

``errors`` are the problem statuses the operation adds to those every route may answer, and
``rules`` the domain rules it applies, each a 422 (``openapi.problems``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import post, put
from litestar.status_codes import HTTP_200_OK

from .openapi import problems, upsert_responses


def action(
    path: str,
    *,
    operation_id: str,
    errors: Sequence[int] = (),
    rules: Sequence[str] = (),
    **options: Any,
) -> post:
    return post(
        path,
        operation_id=operation_id,
        status_code=HTTP_200_OK,
        responses=problems(*errors, rules=rules),
        **options,
    )


def upsert(
    resource: type[Any],
    path: str,
    *,
    operation_id: str,
    errors: Sequence[int] = (),
    rules: Sequence[str] = (),
    **options: Any,
) -> put:
    return put(
        path,
        operation_id=operation_id,
        responses=upsert_responses(resource, *errors, rules=rules),
        **options,
    )
