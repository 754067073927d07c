"""The rules of a person's one request: which services, in which order, where each document
goes in the archive, and what a service's answer makes of the request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from services.kit.errors import Conflict, DomainError, FieldError, Unavailable
from services.kit.subjects import Held

from .schemas import ErasurePart, ErasureRefusal, ErasureRequest

PEERS = ("accreditation", "invoicing")
"""The services scheduling asks for their part of a person's export, in the archive's order."""
ERASURE_ORDER = ("invoicing", "accreditation")
"""The services asked for their part of an erasure before scheduling's own, in this order:
invoicing first, whose refusal (an unpaid invoice) stops the request before anything is
erased."""
REFUSED = "open_obligations"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def document_folder(kind: str) -> str:
    """``invoice_pdf`` -> ``invoices``, ``credit_note_pdf`` -> ``credit_notes``."""
    return _UNSAFE.sub("_", kind.removesuffix("_pdf")) + "s"


def document_path(document: Mapping[str, Any], records: Mapping[str, Sequence[Any]]) -> str:
    """Where a document an export lists goes in the archive: ``documents/<kind>s/<name>.pdf``,
    named by its own name (an invoice's number), else the number of the record of its id,
    else its id."""
    folder = document_folder(str(document.get("kind", "document")))
    name = document.get("name") or _number_of(str(document.get("id")), records.get(folder, ()))
    return f"documents/{folder}/{_UNSAFE.sub('_', str(name or document.get('id')))}.pdf"


def _number_of(record_id: str, records: Iterable[Any]) -> str | None:
    for record in records:
        if isinstance(record, dict) and str(record.get("id")) == record_id:
            number = record.get("number")
            return str(number) if number else None
    return None


def href_allowed(href: str) -> bool:
    """A document is fetched from the service that listed it, by a path of its API only."""
    return href.startswith("/v1/") and ".." not in href and "//" not in href


def held_of(parts: Iterable[ErasurePart]) -> list[Held]:
    return [held for part in parts for held in part.held]


def refusal_error(request: ErasureRequest) -> DomainError:
    """The answer to an erasure request that was not carried out: 409 with the refusing
    service's rule (and what it named), or 503 when a service could not be reached."""
    refusal = request.refusal
    assert refusal is not None
    extra = {"erasure_request_id": str(request.id), "service": refusal.service}
    if refusal.rule == REFUSED:
        return Conflict(
            f"{refusal.service} refuses the erasure: {refusal.detail} Nothing was erased.",
            errors=[FieldError(field="path.person_id", rule=REFUSED, message=refusal.detail)],
            extra={**extra, **(refusal.extra or {})},
        )
    return Unavailable(
        f"{refusal.service} could not do its part of the erasure ({refusal.detail});"
        " nothing after it was erased. Ask again.",
        errors=[FieldError(rule="service_unavailable", message=refusal.service)],
        extra=extra,
    )


def blocking_invoices(refusal: ErasureRefusal) -> list[uuid.UUID]:
    """The invoices a refusal names as blocking the erasure (``extra.invoices``, each by its
    id), in the order named; what is not an invoice's id is passed over."""
    named = (refusal.extra or {}).get("invoices")
    found: list[uuid.UUID] = []
    for invoice in named if isinstance(named, list) else ():
        try:
            invoice_id = uuid.UUID(str(invoice.get("id"))) if isinstance(invoice, dict) else None
        except ValueError:
            invoice_id = None
        if invoice_id is not None and invoice_id not in found:
            found.append(invoice_id)
    return found


def refusal_of(service: str, status: int, problem: Any) -> ErasureRefusal:
    """A service's answer other than its part done, as the request keeps it."""
    body = problem if isinstance(problem, dict) else {}
    errors = body.get("errors") or [{}]
    rule = errors[0].get("rule") if isinstance(errors[0], dict) else None
    extra = body.get("extra")
    return ErasureRefusal(
        service=service,
        status=status,
        rule=rule if status == 409 else None,
        detail=str(body.get("detail") or f"answered {status}"),
        extra=extra if isinstance(extra, dict) else None,
    )
