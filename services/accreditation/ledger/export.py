"""Export formats of ledger entries: one line at a time (NDJSON and CSV), and PE-online style
attendance lists."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator

import msgspec

from .schemas import AttendanceLine, AttendanceList, LedgerEntry

CSV_COLUMNS = tuple(LedgerEntry.__struct_fields__)
_json = msgspec.json.Encoder()


def prefixed(register_code: str, number: str) -> str:
    """A registration number with its register's prefix, as PE-online takes it: `NIP-00123456`."""
    prefix = f"{register_code}-"
    return number if number.upper().startswith(prefix) else prefix + number


def attendance_list(
    session_id: uuid.UUID, register_code: str, credits: list[LedgerEntry]
) -> AttendanceList:
    """A session's credits in a register with prefixed registration numbers (`NIP-00123456`)."""
    return AttendanceList(
        session_id=session_id,
        register_code=register_code,
        items=[
            AttendanceLine(
                prefixed_number=prefixed(register_code, e.registration_number),
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


def spellings(register_code: str, number: str) -> list[str]:
    """A registration number as stored with and without the register's prefix."""
    full = prefixed(register_code, number)
    return [full, full[len(register_code) + 1 :]]


async def ndjson(entries: AsyncIterable[LedgerEntry]) -> AsyncIterator[bytes]:
    async for entry in entries:
        yield _json.encode(entry) + b"\n"


def _csv_line(values: list[object]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode()


def _cell(value: object) -> object:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # spreadsheets must not read a cell as a formula
    return "" if value is None else value


async def csv_lines(entries: AsyncIterable[LedgerEntry]) -> AsyncIterator[bytes]:
    yield _csv_line(list(CSV_COLUMNS))
    async for entry in entries:
        yield _csv_line([_cell(getattr(entry, name)) for name in CSV_COLUMNS])
