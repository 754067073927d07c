"""A person's data, as every service answers for it alike: what it holds about them
(``exportSubject``), its part of their erasure (``eraseSubject``), and the identifier it never
stores (the BSN).

- :func:`export_body` streams the export's JSON envelope, one record at a time, from the
  record streams a service opens (each kind a plural name: ``people``, ``invoices``, ...);
- :class:`SubjectErasure` is the answer of a service's part of an erasure, with what it
  :class:`Held` for a legal reason and until when;
- :func:`check_own` refuses a person's export to anyone but an admin and the person;
- :func:`looks_like_bsn` is the elfproef, for refusing a registration number that is a BSN.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal

import msgspec

from .errors import FieldError, Forbidden
from .schemas import Outbound

_encode = msgspec.json.Encoder().encode


class SubjectDocument(Outbound, frozen=True):
    """A document of the person's that the export names rather than embeds: a PDF."""

    kind: str
    """``invoice_pdf``, ``credit_note_pdf``, ``credential_pdf``, ..."""
    id: uuid.UUID
    href: str
    """Where the service serves it, relative to its base URL (``/v1/invoices/<id>/pdf``)."""
    name: str | None = None
    """The name the document goes by, where it has one (an invoice's number)."""


class Held(Outbound, frozen=True):
    """A record an erasure keeps, because the law requires it, until ``until``."""

    kind: str
    id: uuid.UUID
    number: str | None
    """The record's own number, where it has one (an invoice's)."""
    reason: str
    """The legal reason, in words (``AWR art. 52(4); GDPR art. 17(3)(b)``)."""
    until: date
    """The last day it is kept; the retention job removes it after."""


ErasureStatus = Literal["erased", "held"]


class SubjectErasure(Outbound, frozen=True):
    """A service's part of a person's erasure, once done: ``held`` when it keeps records."""

    person_id: uuid.UUID
    status: ErasureStatus
    erased_at: datetime
    held: list[Held]


class SubjectErasedData(Outbound, frozen=True):
    """`subject.erased`: this service's part of the person's erasure is done (ids only)."""

    person_id: uuid.UUID
    status: ErasureStatus
    held: list[uuid.UUID]
    """The records kept for a legal reason, until their retention ends."""


def erasure_status(held: Iterable[Held]) -> ErasureStatus:
    return "held" if any(True for _ in held) else "erased"


def grant_of(*, admin: bool) -> str:
    """Why a person's data was given to the caller (the processing log's ``grant``): an
    admin's role, or the person's own records."""
    return "role admin" if admin else "own records"


class SubjectEvent(Outbound, frozen=True):
    id: uuid.UUID
    """An event the service announced that names the person, as its feed serves it now."""
    type: str
    aggregate_id: uuid.UUID
    occurred_at: datetime
    data: dict[str, Any]


def check_own(
    *, admin: bool, caller: uuid.UUID | None, person_id: uuid.UUID, field: str = "path.person_id"
) -> None:
    """An admin reads any person's data; anyone else only their own (claim ``person``)."""
    if admin or caller == person_id:
        return
    raise Forbidden(
        "A person's data is exported to the person and to the organisation's admins only.",
        errors=[FieldError(field=field, rule="own_records_only", message="not your own records")],
    )


Rows = AsyncIterable[Any] | Iterable[Any]


async def _each(rows: Rows) -> AsyncIterator[Any]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


class _Head(msgspec.Struct, frozen=True, kw_only=True):
    service: str
    person_id: uuid.UUID
    exported_at: datetime


async def export_body(
    *,
    service: str,
    person_id: uuid.UUID,
    exported_at: datetime,
    records: Mapping[str, Rows],
    documents: Rows = (),
) -> AsyncIterator[bytes]:
    """``{"service", "person_id", "exported_at", "records": {kind: [...]}, "documents": [...]}``
    as bytes, each record encoded as it comes (Structs or builtins), so that no kind is held
    in memory whole. ``documents`` is read after the records (a stream may collect them)."""
    head = _Head(service=service, person_id=person_id, exported_at=exported_at)
    yield _encode(head)[:-1] + b',"records":{'
    for index, (kind, rows) in enumerate(records.items()):
        yield (b"," if index else b"") + _encode(kind) + b":["
        first = True
        async for row in _each(rows):
            yield (b"" if first else b",") + _encode(row)
            first = False
        yield b"]"
    yield b'},"documents":['
    first = True
    async for document in _each(documents):
        yield (b"" if first else b",") + _encode(document)
        first = False
    yield b"]}"


BSN_RULE = "bsn"


NINE_DIGIT_REGISTERS = frozenset({"SKJ"})
"""Registers whose own registration numbers are nine digits. About one in eleven of them passes
the elfproef, so such a number in one of these registers is taken as the register's: a BSN
entered in its place cannot be told from it, and refusing it would refuse real professionals."""


def looks_like_bsn(value: str, register: str | None = None) -> bool:
    """Nine digits passing the elfproef (9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11):
    a Dutch citizen service number, which Kring never stores; never for a ``register`` whose
    own numbers have that shape (:data:`NINE_DIGIT_REGISTERS`)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    if register is not None and register.strip().upper() in NINE_DIGIT_REGISTERS:
        return False
    digits = [int(c) for c in value]
    weighted = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (weighted - digits[8]) % 11 == 0 and value != "000000000"


def bsn_refused(field: str) -> FieldError:
    return FieldError(
        field=field,
        rule=BSN_RULE,
        message="looks like a BSN (nine digits passing the elfproef), and Kring never stores"
        " one; a number of this shape that is a register's is taken with its register's"
        " prefix (`NIP-123456782`)",
    )
