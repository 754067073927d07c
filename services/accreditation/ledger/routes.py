from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from services.kit.db import Conn
from services.kit.links import link, links
from services.kit.openapi import problems
from services.kit.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset
from services.kit.privacy import processing_log
from services.kit.routes import action

from ..principal import Principal
from ..registers.params import RegisterCodePath
from . import checkpoints, export, registrants, service
from .chain import Signer
from .params import EntryIdPath, FromDate, RegistrationNumberQuery, ToDate
from .schemas import (
    AttendanceList,
    Checkpoint,
    CheckpointPage,
    ClosedSessionIn,
    EntryPage,
    LedgerEntry,
    PublicKeyList,
    RecordingResult,
    ReversalIn,
    Totals,
    Verification,
)

Me = NamedDependency[Principal]
NDJSON = "application/x-ndjson"


def _signer(state: State) -> Signer:
    signer: Signer = state.signer
    return signer


class LedgerController(Controller):
    path = "/v1/ledger"
    tags = ("ledger",)

    @action(
        "/sessions",
        operation_id="recordClosedSession",
        opt=links(
            link("getLedgerEntry", entry_id="judgements/0/entry/id"),
            link("reverseLedgerEntry", entry_id="judgements/0/entry/id"),
            link("listSessionOutcomes", session_id="session_id"),
            link("getAttendanceList", session_id="session_id", code="judgements/0/register_code"),
            *(
                link(
                    target,
                    person_id="judgements/0/person_id",
                    code="judgements/0/register_code",
                )
                for target in ("listPersonEntries", "getPersonTotals")
            ),
            link("listPersonOutcomes", person_id="judgements/0/person_id"),
        ),
        errors=(409, 413, 415),
        rules=(
            "range",
            "not_in_future",
            "after_start",
            "max_duration",
            "matches_start",
            "unique",
            "after_arrival",
            "matches_mode",
            "covers_attendees",
            "bsn",
        ),
    )
    async def record(
        self, conn: Conn, principal: Me, state: State, data: JSONBody[ClosedSessionIn]
    ) -> RecordingResult:
        """Judge every attendee of a closed session against each register they hold.

        Appends an entry for what counts and answers every refusal with its reasons; a
        judgement that only waits for data (the registration date) is `pending`. Every
        judgement is kept as the session's outcomes. Idempotent per (session, person,
        register): a repeat answers `already_recorded`.
        """
        return await service.record_session(
            conn, principal.org_id, data, recorded_by=principal.subject, signer=_signer(state)
        )

    @get(
        "/entries/{entry_id:uuid}",
        operation_id="getLedgerEntry",
        responses=problems(),
    )
    async def get_entry(self, conn: Conn, principal: Me, entry_id: EntryIdPath) -> LedgerEntry:
        """One ledger entry."""
        return await service.entry(conn, principal.org_id, entry_id)

    @post(
        "/entries/{entry_id:uuid}/reversal",
        operation_id="reverseLedgerEntry",
        status_code=HTTP_201_CREATED,
        responses=problems(409, 413, 415),
    )
    async def reverse(
        self,
        conn: Conn,
        principal: Me,
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
        responses=problems(),
    )
    async def verification(self, conn: Conn, principal: Me, state: State) -> Verification:
        """Recompute the organisation's hash chain and check it against every signed checkpoint."""
        return await checkpoints.verify(conn, principal.org_id, _signer(state))

    @post(
        "/checkpoints",
        operation_id="createCheckpoint",
        status_code=HTTP_201_CREATED,
        responses=problems(409),
    )
    async def create_checkpoint(self, conn: Conn, principal: Me, state: State) -> Checkpoint:
        """Sign the chain's current head (recording and reversing also sign one)."""
        return await checkpoints.create(conn, principal.org_id, _signer(state))

    @get(
        "/checkpoints",
        operation_id="listCheckpoints",
        responses=problems(),
    )
    async def list_checkpoints(
        self, conn: Conn, principal: Me, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> CheckpointPage:
        """Signed checkpoints in the order they were made, a page at a time."""
        return await checkpoints.page(conn, principal.org_id, keyset(cursor, limit))

    @get(
        "/public-keys",
        operation_id="listCheckpointKeys",
        responses=problems(),
        sync_to_thread=False,
    )
    def public_keys(self, state: State) -> PublicKeyList:
        """The Ed25519 public keys checkpoints are signed with: the current one first."""
        return checkpoints.public_keys(_signer(state))


class PersonLedgerController(Controller):
    path = "/v1/people/{person_id:uuid}/registers/{code:str}"
    tags = ("ledger",)

    @get("/entries", operation_id="listPersonEntries", responses=problems())
    async def entries(
        self,
        conn: Conn,
        principal: Me,
        person_id: FromPath[uuid.UUID],
        code: RegisterCodePath,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> EntryPage:
        """A person's entries in one register, in the order they were recorded."""
        return await service.person_entries(conn, principal, person_id, code, keyset(cursor, limit))

    @get("/totals", operation_id="getPersonTotals", responses=problems())
    async def totals(
        self, conn: Conn, principal: Me, person_id: FromPath[uuid.UUID], code: RegisterCodePath
    ) -> Totals:
        """Per cycle: hours and points, caps applied and explained, progress to the requirement."""
        return await service.totals(conn, principal, person_id, code)


class RegistrarController(Controller):
    path = "/v1/registrar"
    tags = ("registration bodies",)

    @get(
        "/entries",
        operation_id="listRegistrantEntries",
        responses=problems(rules=("bsn",)),
        opt=processing_log.logged_read(),
    )
    async def entries(
        self,
        conn: Conn,
        principal: Me,
        registration_number: RegistrationNumberQuery = None,
        from_date: FromDate = None,
        to_date: ToDate = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> EntryPage:
        """The entries of the token's register, of registrants who consented, for a period.

        An erased registrant's entries keep their counts without name or number (`erased`).
        A registration number that looks like a BSN is refused (422, rule `bsn`). Every
        registrant shown is written to the processing log, with the consent that allowed it.
        """
        return await registrants.registrar_entries(
            conn,
            principal,
            keyset(cursor, limit),
            registration_number=registration_number,
            from_date=from_date,
            to_date=to_date,
        )


_NDJSON_EXPORT = {
    HTTP_200_OK: ResponseSpec(
        LedgerEntry,
        media_type=NDJSON,
        description="One ledger entry as JSON per line.",
        generate_examples=False,
    ),
    **problems(),
}
_CSV_EXPORT = {
    HTTP_200_OK: ResponseSpec(
        str,
        media_type="text/csv",
        description="A header line, then one ledger entry per line (RFC 4180).",
        generate_examples=False,
    ),
    **problems(),
}


class ExportController(Controller):
    path = "/v1/registers/{code:str}"
    tags = ("ledger",)

    @get(
        "/ledger.ndjson",
        operation_id="exportRegisterNdjson",
        responses=_NDJSON_EXPORT,
        opt=processing_log.logged_read(),
    )
    async def export_ndjson(
        self,
        conn: Conn,
        principal: Me,
        state: State,
        code: RegisterCodePath,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> Stream:
        """A register's entries for a period, streamed as NDJSON in constant memory (the bulk
        export is written to the processing log)."""
        rows = await registrants.register_export(
            conn,
            principal,
            code,
            pool=state.pool,
            from_date=from_date,
            to_date=to_date,
            operation="exportRegisterNdjson",
        )
        return Stream(export.ndjson(rows), media_type=NDJSON)

    @get(
        "/ledger.csv",
        operation_id="exportRegisterCsv",
        responses=_CSV_EXPORT,
        opt=processing_log.logged_read(),
    )
    async def export_csv(
        self,
        conn: Conn,
        principal: Me,
        state: State,
        code: RegisterCodePath,
        from_date: FromDate = None,
        to_date: ToDate = None,
    ) -> Stream:
        """A register's entries for a period, streamed as CSV in constant memory (the bulk
        export is written to the processing log)."""
        rows = await registrants.register_export(
            conn,
            principal,
            code,
            pool=state.pool,
            from_date=from_date,
            to_date=to_date,
            operation="exportRegisterCsv",
        )
        return Stream(export.csv_lines(rows), media_type="text/csv; charset=utf-8")


class AttendanceController(Controller):
    path = "/v1/sessions/{session_id:uuid}/attendance-lists"
    tags = ("ledger",)

    @get("/{code:str}", operation_id="getAttendanceList", responses=problems())
    async def attendance_list(
        self, conn: Conn, principal: Me, session_id: FromPath[uuid.UUID], code: RegisterCodePath
    ) -> AttendanceList:
        """A PE-online style attendance list: prefixed registration numbers (`NIP-00123456`)."""
        return await service.attendance_list(conn, principal, session_id, code)
