"""A person's one request across the three services (ADR 0095): their export, gathered over
the services' APIs into one streamed archive, and their erasure, done service by service in
order (invoicing first, whose refusal stops it before anything is erased)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import structlog

from services.kit.errors import NotFound, Unavailable, recording
from services.kit.ids import uuid7
from services.kit.pagination import Keyset, page_of
from services.kit.privacy import processing_log
from services.kit.subjects import SubjectErasure, check_own

from .. import webhooks
from ..principal import Principal
from ..privacy import repository as subjects
from ..privacy import service as own
from . import repository, rules
from .archive import Archive, once
from .client import Peers
from .schemas import (
    ErasurePart,
    ErasureRefusedData,
    ErasureRequest,
    ErasureRequestPage,
    PersonErasedData,
)

log = structlog.get_logger("kring.scheduling.privacy_requests")


class _Listed(msgspec.Struct):
    """What the archive reads of a service's export: its documents, and its records to name
    them by."""

    records: dict[str, list[object]] = {}
    documents: list[dict[str, object]] = []


_listed = msgspec.json.Decoder(_Listed).decode


async def export(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: uuid.UUID,
    *,
    pool: asyncpg.Pool,
    peers: Peers,
) -> AsyncIterator[bytes]:
    """The person's archive: each service's export and every document they list. The other
    services are asked before the archive begins (a refusal or an outage is the answer);
    their documents are streamed into it as it is read."""
    admin = principal.has("admin")
    check_own(admin=admin, caller=principal.person, person_id=person_id)
    await subjects.person_exists(conn, principal.org_id, person_id)
    answers = {service: await peers.export(service, person_id) for service in rules.PEERS}
    await processing_log.record_given(
        conn, principal, person_id, admin=admin, operation="exportPerson"
    )
    return _archive(own.body(pool, principal.org_id, person_id), answers, peers)


async def _archive(
    scheduling: AsyncIterator[bytes], answers: dict[str, bytes], peers: Peers
) -> AsyncIterator[bytes]:
    archive = Archive()
    async for chunk in archive.entry("scheduling.json", scheduling):
        yield chunk
    for service, answer in answers.items():
        async for chunk in archive.entry(f"{service}.json", once(answer)):
            yield chunk
    missing = []
    for service, answer in answers.items():
        listed = _listed(answer)
        for document in listed.documents:
            href = str(document.get("href", ""))
            if not rules.href_allowed(href):
                missing.append({"service": service, **document, "why": "not a path of its API"})
                continue
            path = rules.document_path(document, listed.records)
            try:
                async for chunk in archive.entry(path, peers.document(service, href)):
                    yield chunk
            except (httpx.HTTPError, Unavailable) as exc:  # the archive is under way: say so in it
                log.warning("export_document_missing", service=service, href=href, error=str(exc))
                missing.append({"service": service, **document, "why": str(exc)})
    if missing:
        async for chunk in archive.entry("documents/missing.json", once(_encode(missing))):
            yield chunk
    yield archive.close()


_encode = msgspec.json.Encoder().encode


async def erase(
    conn: asyncpg.Connection,
    principal: Principal,
    person_id: uuid.UUID,
    *,
    peers: Peers,
) -> tuple[ErasureRequest, bool]:
    """The person's erasure request, carried out: the request and whether this call made it
    (a completed one is answered again). A service's refusal is stored as the request's
    outcome, announced with it when the service refused by a rule (``erasure.refused``), and
    raised in :func:`recording`: that record is what this transaction commits."""
    org_id = principal.org_id
    await subjects.lock_person(conn, org_id, person_id)
    if (done := await repository.completed_for(conn, org_id, person_id)) is not None:
        return done, False
    request_id = uuid7()
    parts: list[ErasurePart] = []
    for service in rules.ERASURE_ORDER:
        answer = await peers.erase(service, person_id)
        if answer.status not in (200, 201):
            refusal = rules.refusal_of(service, answer.status, answer.body)
            request = await repository.insert(
                conn,
                org_id,
                request_id=request_id,
                person_id=person_id,
                status="failed" if answer.status >= 500 else "refused",
                requested_by=principal.subject,
                parts=parts,
                refusal=refusal,
            )
            await _log(conn, principal, person_id, operation="erasePerson")
            if refusal.rule is not None:  # refused by a rule, not unreachable
                await _announce_refusal(conn, org_id, request)
            with recording():
                raise rules.refusal_error(request)
        parts.append(_part(service, msgspec.convert(answer.body, SubjectErasure)))
    erased, _ = await own.erase(conn, principal, person_id)
    parts.append(_part("scheduling", erased))
    request = await repository.insert(
        conn,
        org_id,
        request_id=request_id,
        person_id=person_id,
        status="completed",
        requested_by=principal.subject,
        parts=parts,
    )
    await _log(conn, principal, person_id, operation="erasePerson")
    employer_id = await subjects.employer_of(conn, org_id, person_id)
    data = PersonErasedData(
        person_id=person_id,
        erasure_request_id=request.id,
        employer_id=employer_id,
        held=[held.id for held in request.held],
    )
    await webhooks.emit(conn, org_id, data, aggregate_id=person_id)
    return request, True


async def _announce_refusal(
    conn: asyncpg.Connection, org_id: uuid.UUID, request: ErasureRequest
) -> None:
    """``erasure.refused``, in the transaction that keeps the refused request."""
    refusal = request.refusal
    assert refusal is not None and refusal.rule is not None, "a refusal by a rule"
    data = ErasureRefusedData(
        erasure_request_id=request.id,
        person_id=request.person_id,
        employer_id=await subjects.employer_of(conn, org_id, request.person_id),
        service=refusal.service,
        rule=refusal.rule,
        invoice_ids=rules.blocking_invoices(refusal),
    )
    await webhooks.emit(conn, org_id, data, aggregate_id=request.person_id)


def _part(service: str, erased: SubjectErasure) -> ErasurePart:
    return ErasurePart(
        service=service, status=erased.status, erased_at=erased.erased_at, held=erased.held
    )


async def _log(
    conn: asyncpg.Connection, principal: Principal, person_id: uuid.UUID, *, operation: str
) -> None:
    await processing_log.record(
        conn, principal, operation=operation, person_id=person_id, grant="role admin"
    )


async def get(
    conn: asyncpg.Connection, principal: Principal, request_id: uuid.UUID
) -> ErasureRequest:
    """One erasure request: an admin's any, a participant's only one about themselves."""
    request = await repository.get(conn, principal.org_id, request_id)
    if not principal.has("admin") and request.person_id != principal.person:
        raise NotFound(f"No erasure request {request_id}.")
    return request


async def page(
    conn: asyncpg.Connection, principal: Principal, asked: Keyset, *, person_id: uuid.UUID | None
) -> ErasureRequestPage:
    items = await repository.page(conn, principal.org_id, asked, person_id=person_id)
    return page_of(ErasureRequestPage, items, asked.limit)
