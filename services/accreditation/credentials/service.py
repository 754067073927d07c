"""The credentials' use cases on the caller's transaction: issue a session credential and read
credentials. A cycle's credentials (its period statement) are :mod:`.statements`, verification
and the public documents :mod:`.public`, the mechanics of issuing :mod:`.issuing`."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import NotFound
from services.kit.pagination import Keyset, page_of
from services.kit.privacy import processing_log

from ..ledger import repository as ledger
from ..ledger import rules as ledger_rules
from ..ledger.chain import Signer
from ..outcomes import repository as outcomes
from ..principal import Principal
from ..registers import service as registers
from . import issuing, pdf, repository, rules
from .repository import Row
from .schemas import Credential, CredentialIn, CredentialPage


async def issue(
    conn: asyncpg.Connection,
    principal: Principal,
    data: CredentialIn,
    *,
    base_url: str,
    signer: Signer,
) -> tuple[Credential, bool]:
    """The session credential of a standing credit: the caller's own attendance (an admin names
    whose); issued once per credit, so a repeat answers the same credential (``False``)."""
    org_id = principal.org_id
    person_id = rules.subject_of(principal, data.person_id)
    code = await registers.known_code(conn, org_id, data.register)
    await ledger.lock_chain(conn, org_id)  # no reversal commits between reading and issuing
    judged = [
        o
        for o in await outcomes.of_session(conn, org_id, data.session_id)
        if o.person_id == person_id and o.register_code == code
    ]
    if not judged:
        raise NotFound(f"No judgement of session {data.session_id} for {person_id} in {code}.")
    (outcome,) = judged
    reversed_ = outcome.entry_id is not None and (
        await ledger.reversal_of(conn, org_id, outcome.entry_id) is not None
    )
    reasons = [r.rule for r in outcome.reasons]
    if (error := rules.refusal(outcome.status, reversed_=reversed_, reasons=reasons)) is not None:
        raise rules.refuse(error)
    assert outcome.entry_id is not None
    entry = await ledger.get(conn, org_id, outcome.entry_id)
    row, created = await issuing.session_credential(
        conn, org_id, entry, base_url=base_url, signer=signer
    )
    return issuing.credential_of(row, org_id), created


async def _logged(
    conn: asyncpg.Connection, principal: Principal, rows: list[Row], *, operation: str
) -> None:
    """A registration body's read of registrants' credentials, written to the processing log
    (the others read their own, or are the organisation)."""
    if principal.has("admin") or not principal.has("registrar") or not rows:
        return
    await processing_log.record_each(
        conn,
        principal,
        operation=operation,
        grant=f"consent to register {rows[0].register_code}",
        person_ids=list(dict.fromkeys(row.person_id for row in rows)),
        scope=rows[0].register_code,
        role="registrar",
    )


async def _readable(conn: asyncpg.Connection, principal: Principal, row: Row | None) -> Row:
    consented = (
        row is not None
        and principal.has("registrar")
        and await repository.consented(conn, principal.org_id, row.person_id, row.register_code)
    )
    if (
        row is None
        or not row.jws
        or not rules.may_read(
            principal, person_id=row.person_id, register_code=row.register_code, consented=consented
        )
    ):
        raise NotFound("No such credential.")
    return row


async def get(
    conn: asyncpg.Connection, principal: Principal, credential_id: uuid.UUID
) -> Credential:
    row = await _readable(
        conn, principal, await repository.get(conn, principal.org_id, credential_id)
    )
    await _logged(conn, principal, [row], operation="getCredential")
    return issuing.credential_of(row, principal.org_id)


async def document(
    conn: asyncpg.Connection, principal: Principal, credential_id: uuid.UUID
) -> bytes:
    """The credential as a PDF in Dutch, with a QR code of its page."""
    row = await _readable(
        conn, principal, await repository.get(conn, principal.org_id, credential_id)
    )
    await _logged(conn, principal, [row], operation="getCredentialPdf")
    credential = issuing.credential_of(row, principal.org_id)
    return pdf.render(credential.credential, url=credential.url, revoked=row.revoked_at is not None)


async def page(
    conn: asyncpg.Connection,
    principal: Principal,
    asked: Keyset,
    *,
    person_id: uuid.UUID | None,
    register: str | None,
    kind: str | None,
) -> CredentialPage:
    """Credentials in the order issued, of what the caller may read (see :mod:`.rules`)."""
    org_id = principal.org_id
    code = await registers.known_code(conn, org_id, register) if register else None
    consented_only = False
    if principal.has("admin"):
        pass
    elif principal.has("registrar"):
        own = ledger_rules.registrar_register(principal)
        if code not in (None, own):
            raise NotFound(f"No credentials of register {code} for this registration body.")
        code, consented_only = own, True
    elif principal.person is not None and person_id in (None, principal.person):
        person_id = principal.person
    else:
        raise NotFound(f"No credentials of person {person_id}.")
    rows = await repository.page(
        conn,
        org_id,
        asked,
        person_id=person_id,
        register_code=code,
        kind=kind,
        consented_only=consented_only,
    )
    await _logged(conn, principal, rows[: asked.limit], operation="listCredentials")
    return page_of(CredentialPage, [issuing.credential_of(r, org_id) for r in rows], asked.limit)
