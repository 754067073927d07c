from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

import asyncpg
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.auth import requires
from services.kit.errors import NotFound
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, next_cursor

from ..principal import Principal
from ..registers import repository as registers
from ..registers.rules import normalise_code
from ..registers.schemas import RegisterCodePath
from . import export, repository, rules, service
from .chain import Signer
from .schemas import (
    AttendanceLine,
    AttendanceList,
    Checkpoint,
    CheckpointPage,
    ClosedSessionIn,
    EntryIdPath,
    EntryPage,
    FromDate,
    LedgerEntry,
    PublicKey,
    PublicKeyList,
    RecordingResult,
    RegistrationNumber,
    ReversalIn,
    ToDate,
    Totals,
    Verification,
)

RegistrationNumberQuery = Annotated[
    RegistrationNumber | None,
    QueryParameter(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9./-]{0,31}$",
        description="Only this registration number, with or without the register's prefix "
        "(`00123456` or `NIP-00123456`).",
    ),
]


def _signer(state: State) -> Signer:
    signer: Signer = state.signer
    return signer


class LedgerController(Controller):
    path = "/v1/ledger"
    tags = ("ledger",)

    @post(
        "/sessions",
        operation_id="recordClosedSession",
        guards=[requires("service", "admin")],
        status_code=HTTP_200_OK,
        responses=problems(409, 413, 415, 422),
    )
    async def record(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        data: JSONBody[ClosedSessionIn],
    ) -> RecordingResult:
        """Judge every attendee of a closed session against each register they hold.

        Appends an entry for what counts and answers every refusal with its reasons.
        Idempotent per (session, person, register): a repeat answers `already_recorded`.
        """
        return await service.record_session(
            conn, principal.org_id, data, recorded_by=principal.subject, signer=_signer(state)
        )

    @get(
        "/entries/{entry_id:uuid}",
        operation_id="getLedgerEntry",
        guards=[requires("admin", "service")],
        responses=problems(),
    )
    async def get_entry(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        entry_id: EntryIdPath,
    ) -> LedgerEntry:
        """One ledger entry."""
        return await repository.get(conn, principal.org_id, entry_id)

    @post(
        "/entries/{entry_id:uuid}/reversal",
        operation_id="reverseLedgerEntry",
        guards=[requires("admin")],
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415),
    )
    async def reverse(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        entry_id: EntryIdPath,
        data: JSONBody[ReversalIn],
    ) -> LedgerEntry:
        """Correct an entry by appending its reversal; the entry itself never changes."""
        return await service.reverse(
            conn,
            principal.org_id,
            entry_id,
            reason=data.reason,
            recorded_by=principal.subject,
            signer=_signer(state),
        )

    @get(
        "/verification",
        operation_id="verifyLedger",
        guards=[requires("admin", "registrar", "service")],
        responses=problems(),
    )
    async def verification(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
    ) -> Verification:
        """Recompute the organisation's hash chain and check it against every signed checkpoint."""
        return await service.verify(conn, principal.org_id, _signer(state))

    @post(
        "/checkpoints",
        operation_id="createCheckpoint",
        guards=[requires("admin", "service")],
        status_code=HTTP_201_CREATED,
        responses=problems(409),
    )
    async def create_checkpoint(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
    ) -> Checkpoint:
        """Sign the chain's current head (recording and reversing also sign one)."""
        return await service.checkpoint(conn, principal.org_id, _signer(state))

    @get(
        "/checkpoints",
        operation_id="listCheckpoints",
        guards=[requires("admin", "registrar", "service")],
        responses=problems(),
    )
    async def list_checkpoints(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> CheckpointPage:
        """Signed checkpoints in the order they were made, a page at a time."""
        items = await service.checkpoint_page(
            conn, principal.org_id, after=decode_cursor(cursor), limit=limit
        )
        return CheckpointPage(
            items=items[:limit], next_cursor=next_cursor([i.id for i in items], limit)
        )

    @get(
        "/public-keys",
        operation_id="listCheckpointKeys",
        guards=[requires("admin", "registrar", "service", "participant", "hr", "facilitator")],
        responses=problems(),
        sync_to_thread=False,
    )
    def public_keys(self, state: State) -> PublicKeyList:
        """The Ed25519 public keys checkpoints are signed with: the current one first."""
        signer = _signer(state)
        keys = [
            PublicKey(
                key_id=signer.key_id,
                algorithm="Ed25519",
                public_key=signer.public_key,
                current=True,
            )
        ]
        keys += [
            PublicKey(key_id=kid, algorithm="Ed25519", public_key=key, current=False)
            for kid, key in signer.trusted().items()
            if kid != signer.key_id
        ]
        return PublicKeyList(items=keys)


class PersonLedgerController(Controller):
    path = "/v1/people/{person_id:uuid}/registers/{code:str}"
    tags = ("ledger",)

    @get(
        "/entries",
        operation_id="listPersonEntries",
        guards=[requires("admin", "service", "participant")],
        responses=problems(),
    )
    async def entries(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        person_id: FromPath[uuid.UUID],
        code: RegisterCodePath,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> EntryPage:
        """A person's entries in one register, in the order they were recorded."""
        if not rules.may_read_person(principal, person_id):
            raise NotFound(f"No ledger of person {person_id}.")
        register = await registers.get(conn, principal.org_id, normalise_code(code))
        items = await repository.person_page(
            conn,
            principal.org_id,
            person_id=person_id,
            register_code=register.code,
            after=decode_cursor(cursor),
            limit=limit,
        )
        return EntryPage(items=items[:limit], next_cursor=next_cursor([i.id for i in items], limit))

    @get(
        "/totals",
        operation_id="getPersonTotals",
        guards=[requires("admin", "service", "participant")],
        responses=problems(),
    )
    async def totals(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        person_id: FromPath[uuid.UUID],
        code: RegisterCodePath,
    ) -> Totals:
        """Per cycle: hours and points, caps applied and explained, progress to the requirement."""
        if not rules.may_read_person(principal, person_id):
            raise NotFound(f"No ledger of person {person_id}.")
        register = await registers.get(conn, principal.org_id, normalise_code(code))
        return await service.totals(
            conn, principal.org_id, person_id=person_id, register_code=register.code
        )


class RegistrarController(Controller):
    path = "/v1/registrar"
    tags = ("registration bodies",)

    @get(
        "/entries",
        operation_id="listRegistrantEntries",
        guards=[requires("registrar")],
        responses=problems(),
    )
    async def entries(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        registration_number: RegistrationNumberQuery = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> EntryPage:
        """The entries of the token's register, of registrants who consented, for a period."""
        register_code = rules.registrar_register(principal)
        items = await repository.registrar_page(
            conn,
            principal.org_id,
            register_code=register_code,
            registration_numbers=export.spellings(register_code, registration_number)
            if registration_number
            else None,
            from_date=from_date,
            to_date=to_date,
            after=decode_cursor(cursor),
            limit=limit,
        )
        return EntryPage(items=items[:limit], next_cursor=next_cursor([i.id for i in items], limit))


class ExportController(Controller):
    path = "/v1/registers/{code:str}"
    tags = ("ledger",)

    async def _register(
        self, conn: asyncpg.Connection, principal: Principal, code: str
    ) -> tuple[str, bool]:
        register = await registers.get(conn, principal.org_id, normalise_code(code))
        if principal.has("admin"):
            return register.code, False
        if rules.registrar_register(principal) != register.code:
            raise NotFound(f"No register {code!r} for this registration body.")
        return register.code, True

    async def _rows(
        self,
        conn: asyncpg.Connection,
        principal: Principal,
        state: State,
        code: str,
        from_date: date | None,
        to_date: date | None,
    ) -> AsyncIterator[LedgerEntry]:
        """The register's entries the caller may export, streamed from their own connection."""
        register_code, consented = await self._register(conn, principal, code)
        return repository.stream_register(
            state.pool,
            principal.org_id,
            register_code=register_code,
            from_date=from_date,
            to_date=to_date,
            consented_only=consented,
        )

    @get(
        "/ledger.ndjson",
        operation_id="exportRegisterNdjson",
        guards=[requires("admin", "registrar")],
        responses={
            HTTP_200_OK: ResponseSpec(
                LedgerEntry,
                media_type="application/x-ndjson",
                description="One ledger entry as JSON per line.",
                generate_examples=False,
            ),
            **problems(),
        },
    )
    async def export_ndjson(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        code: RegisterCodePath,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> Stream:
        """A register's entries for a period, streamed as NDJSON in constant memory."""
        rows = await self._rows(conn, principal, state, code, from_date, to_date)
        return Stream(export.ndjson(rows), media_type="application/x-ndjson")

    @get(
        "/ledger.csv",
        operation_id="exportRegisterCsv",
        guards=[requires("admin", "registrar")],
        responses={
            HTTP_200_OK: ResponseSpec(
                str,
                media_type="text/csv",
                description="A header line, then one ledger entry per line (RFC 4180).",
                generate_examples=False,
            ),
            **problems(),
        },
    )
    async def export_csv(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        state: State,
        code: RegisterCodePath,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> Stream:
        """A register's entries for a period, streamed as CSV in constant memory."""
        rows = await self._rows(conn, principal, state, code, from_date, to_date)
        return Stream(export.csv_lines(rows), media_type="text/csv; charset=utf-8")


class AttendanceController(Controller):
    path = "/v1/sessions/{session_id:uuid}/attendance-lists"
    tags = ("ledger",)

    @get(
        "/{code:str}",
        operation_id="getAttendanceList",
        guards=[requires("admin", "service", "facilitator")],
        responses=problems(),
    )
    async def attendance_list(
        self,
        conn: NamedDependency[asyncpg.Connection],
        principal: NamedDependency[Principal],
        session_id: FromPath[uuid.UUID],
        code: RegisterCodePath,
    ) -> AttendanceList:
        """A PE-online style attendance list: prefixed registration numbers (`NIP-00123456`)."""
        register = await registers.get(conn, principal.org_id, normalise_code(code))
        credits = await repository.session_credits(
            conn, principal.org_id, session_id=session_id, register_code=register.code
        )
        return AttendanceList(
            session_id=session_id,
            register_code=register.code,
            items=[
                AttendanceLine(
                    prefixed_number=export.prefixed(register.code, e.registration_number),
                    person_id=e.person_id,
                    person_name=e.person_name,
                    session_date=e.session_date,
                    minutes=e.minutes,
                    points_centi=e.points_centi,
                    entry_id=e.id,
                )
                for e in credits
            ],
        )
