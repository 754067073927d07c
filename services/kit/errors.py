"""One error hierarchy, plain Python: ``services.kit.problems`` renders it as RFC 9457
``application/problem+json`` in one place.

::

    DomainError                 status  type
    ├── BadRequest              400     bad-request
    │   └── InvalidInput        400     validation      (``errors`` name field and rule)
    ├── Unauthorized            401     unauthorized
    ├── Forbidden               403     forbidden
    ├── NotFound                404     not-found
    ├── Conflict                409     conflict
    ├── UnsupportedMediaType    415     unsupported-media-type
    ├── RuleViolation           422     rule-violation  (``errors`` name the rules broken)
    ├── TooManyRequests         429     too-many-requests (``Retry-After``: a rate limit)
    └── Unavailable             503     unavailable     (``Retry-After`` when it is known)
        └── DatabaseUnavailable                         (``services.kit.db``: the database)

Domain code (rules, services, repositories) raises these; it never raises HTTP
exceptions, and this module imports no web framework and no database driver, so a
pure ``rules.py`` can raise them.

A refusal rolls its request's transaction back, unless the use case wrote the refusal's own
record in it first (an announcement, the refused request): raised inside :func:`recording`,
it is answered after that transaction commits (ADR 0100).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import msgspec


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One reason a request was refused: where (``field``), which rule, and in words."""

    field: str | None = None
    rule: str
    message: str


class DomainError(Exception):
    status: ClassVar[int] = 400
    type: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.detail: str = detail or "; ".join(e.message for e in errors or ()) or self.title
        """What happened, for the caller: never empty (the reasons, or at least the title)."""
        super().__init__(self.detail)
        self.errors = errors or []
        self.extra = extra
        self.retry_after = retry_after
        """Whole seconds after which the same request may succeed (sent as ``Retry-After``)."""
        self.recorded = False
        """Whether the request's transaction holds this refusal's record and commits it
        (:func:`recording`)."""


@contextmanager
def recording(when: bool = True) -> Iterator[None]:
    """A :class:`DomainError` raised inside (when ``when``) keeps what its request's
    transaction wrote before it: the record of the refusal, which commits with the answer."""
    try:
        yield
    except DomainError as error:
        error.recorded = error.recorded or when
        raise


class BadRequest(DomainError):
    pass


class InvalidInput(BadRequest):
    type = "validation"
    title = "The request is not valid"


class Unauthorized(DomainError):
    status = 401
    type = "unauthorized"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    type = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    type = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    type = "conflict"
    title = "Conflict"


class UnsupportedMediaType(DomainError):
    status = 415
    type = "unsupported-media-type"
    title = "Unsupported media type"


class RuleViolation(DomainError):
    status = 422
    type = "rule-violation"
    title = "A rule of the domain refuses this request"


class TooManyRequests(DomainError):
    """A quota of the caller's is used up: nothing was done; retry after ``retry_after``."""

    status = 429
    type = "too-many-requests"
    title = "Too many requests"


class Unavailable(DomainError):
    """Another service this request needs cannot be asked now: after ``retry_after`` seconds,
    when that is known (sent as ``Retry-After``)."""

    status = 503
    type = "unavailable"
    title = "Service unavailable"


__all__ = [
    "BadRequest",
    "Conflict",
    "DomainError",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RuleViolation",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
]
