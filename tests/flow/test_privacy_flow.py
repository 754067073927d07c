"""A person's year across the three processes, what Kring holds about them, and their erasure
(issue 20; ADR 0094, ADR 0095).

Xandrijn, an SKJ-registered youth worker, attends four sessions in two groups; her hours
become ledger entries (read by SKJ's registrar, with her consent) and a credential, her share
of each session an invoice. Her export (one ZIP from scheduling) is compared with every row
the three services' tables hold about her. An erasure is refused while an invoice is unpaid,
and nothing is destroyed; once paid, she is erased: the ledger still verifies, her name is in
no table of scheduling or accreditation, the invoices stay with their legal reason until the
retention job, run seven years on, removes them, and every registrar read is in the log (kept
ten years, as the tenant chose).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import asyncpg
import httpx

from services.cli import ROOT
from tests.flow.platform import Platform
from tests.flow.support import closed_session, eventually, member, ok, supervised_group
from tests.invoicing.support import MUNICIPALITY, PROFILE, kvk_number, today

GIVEN, FAMILY = "Xandrijn", "Quelleboom"
SKJ = {"register": "SKJ", "number": "110077123", "registered_on": "2022-01-10"}
SESSIONS = [  # group, start, end: four sessions of one year in two groups
    (0, "2025-02-04T19:00", "2025-02-04T21:30"),
    (0, "2025-05-06T19:00", "2025-05-06T21:30"),
    (1, "2025-09-02T19:00", "2025-09-02T21:30"),
    (0, "2025-11-04T19:00", "2025-11-04T21:30"),
]
REGISTRAR = "registrar-skj"
BOOKKEEPING = frozenset(
    {
        "processing_log",  # who read her data: the person reads it with GET /v1/processing-log
        "inbox",
        "deliveries",
        "delivery_attempts",
        "subscribers",
        "idempotency_keys",
        "retention_runs",
        "retention_settings",
        "alembic_version",
    }
)
"""Tables that are the services' own bookkeeping, not records about the person."""
SCHEMAS = ("scheduling", "accreditation", "invoicing")


async def rows_about(
    conn: asyncpg.Connection, schema: str, person_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Every row of the schema's tables (its bookkeeping aside) that names the person's id in
    any column, by table."""
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
        schema,
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for (table,) in tables:
        if table in BOOKKEEPING:
            continue
        rows = await conn.fetch(
            f'SELECT * FROM "{schema}"."{table}" t WHERE strpos(t::text, $1) > 0', person_id
        )
        if rows:
            found[table] = [dict(row) for row in rows]
    return found


def ids_of(export: dict[str, Any]) -> set[str]:
    return {str(r["id"]) for records in export["records"].values() for r in records}


def covered(row: dict[str, Any], ids: set[str], person_id: str) -> bool:
    """A row is in the export when its id is (or, for a row without one, any value that names
    it besides the tenant and the person: a session's, a group's, a register's)."""
    if "id" in row:
        return str(row["id"]) in ids
    return any(
        str(value) in ids
        for name, value in row.items()
        if name != "org_id" and str(value) != person_id
    )


def same(stored: Any, exported: Any) -> bool:
    if isinstance(stored, bytes | memoryview):
        return True  # ciphertext, digests: the export says what they hold, not their bytes
    if isinstance(stored, datetime):
        return stored == datetime.fromisoformat(str(exported).replace("Z", "+00:00"))
    if isinstance(stored, date):
        return stored.isoformat() == exported
    if isinstance(stored, uuid.UUID):
        return str(stored) == exported
    if isinstance(stored, list) and isinstance(exported, list) and len(stored) == len(exported):
        return all(same(s, e) for s, e in zip(stored, exported, strict=True))
    if isinstance(stored, str) and stored.startswith(("{", "[")):
        try:
            return json.loads(stored) == exported
        except ValueError:
            return stored == exported
    return bool(stored == exported)


def differences(
    schema: str, rows: dict[str, list[dict[str, Any]]], export: dict[str, Any], person_id: str
) -> list[str]:
    """What the export misses of the rows, or states otherwise than they hold."""
    ids = ids_of(export)
    by_id = {str(r["id"]): r for records in export["records"].values() for r in records}
    found = []
    for table, table_rows in rows.items():
        if table == "outbox" and "events" not in export["records"]:
            continue  # a service that exports no events: its outbox is checked by its erasure
        for row in table_rows:
            if not covered(row, ids, person_id):
                found.append(f"{schema}.{table}: row {row.get('id', row)} is not in the export")
                continue
            record = by_id.get(str(row.get("id")))
            for name, value in (record or {}).items():
                if name in row and name != "id" and not same(row[name], value):
                    found.append(f"{schema}.{table} {row['id']}.{name}: {row[name]!r} != {value!r}")
    return found


async def columns_naming(conn: asyncpg.Connection, schema: str, *words: str) -> list[str]:
    """Every text, character and jsonb column of the schema's tables holding one of ``words``."""
    columns = await conn.fetch(
        """
        SELECT c.table_name, c.column_name FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'character', 'jsonb', 'json')
               OR c.udt_name IN ('_text', '_varchar'))
        """,
        schema,
    )
    found = []
    for table, column in columns:
        for word in words:
            hit = await conn.fetchval(
                f'SELECT count(*) FROM "{schema}"."{table}"'
                f' WHERE strpos(lower("{column}"::text), lower($1)) > 0',
                word,
            )
            if hit:
                found.append(f"{schema}.{table}.{column} holds {word!r} ({hit} rows)")
    return found


async def snapshot(database_url: str, person_id: str) -> dict[str, dict[str, list[Any]]]:
    conn = await asyncpg.connect(database_url)
    try:
        return {schema: await rows_about(conn, schema, person_id) for schema in SCHEMAS}
    finally:
        await conn.close()


def retention(platform: Platform, org: uuid.UUID, as_of: str) -> str:
    """``kring retention`` for invoicing, as its CronJob runs it, for this tenant only."""
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "retention", "--service", "invoicing",
         "--as-of", as_of, "--org", str(org)],
        env={**os.environ, **platform.envs["invoicing"]},
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


class Year:
    """Xandrijn's year, built through the three APIs."""

    def __init__(self, platform: Platform, token_for: Callable[..., dict[str, str]]) -> None:
        self.org = uuid.uuid4()
        self.token_for = token_for
        self.admin = token_for(self.org, "admin", ttl=3600)
        self.registrar = token_for(
            self.org, "registrar", register="SKJ", subject=REGISTRAR, ttl=3600
        )
        self.apis = {
            name: httpx.AsyncClient(base_url=url, headers=self.admin, timeout=60)
            for name, url in platform.urls.items()
        }
        self.person_id = ""
        self.others: list[str] = []
        self.sessions: list[str] = []
        self.registrar_reads = 0

    def mine(self) -> dict[str, str]:
        return self.token_for(self.org, "participant", person=self.person_id, ttl=3600)

    async def build(self) -> None:
        scheduling, invoicing = self.apis["scheduling"], self.apis["invoicing"]
        employer = ok(
            await scheduling.put(
                "/v1/client-organisations/by-external-id/gemeente",
                json={"name": "Gemeente Utrecht", "kvk_number": kvk_number()},
            )
        )["id"]
        ok(await invoicing.put(f"/v1/debtors/for-client-organisation/{employer}",
                               json=MUNICIPALITY))  # fmt: skip
        groups = [await supervised_group(scheduling, name) for name in ("Noord", "Zuid")]
        fac = ok(await scheduling.get(f"/v1/groups/{groups[0]}"))["facilitator_id"]
        profile = {**PROFILE, "auto_issue": True, "kvk_number": kvk_number()}
        ok(await invoicing.put(f"/v1/billing-profiles/{fac}", json=profile))
        person = {
            "given_name": GIVEN,
            "family_name": FAMILY,
            "email": "xandrijn@example.nl",
            "employer_id": employer,
            "registrations": [SKJ],
        }
        self.person_id = await member(scheduling, groups[0], "xandrijn", **person)
        ok(await scheduling.post(f"/v1/groups/{groups[1]}/members",
                                 json={"person_id": self.person_id}))  # fmt: skip
        base = f"/v1/groups/{groups[1]}/members/{self.person_id}"
        ok(await scheduling.post(f"{base}/consent", json={"voluntary": True}))
        ok(await scheduling.post(f"{base}/acceptance", json={"agreement_version": 1}))
        self.others = [
            await member(scheduling, groups[0], "bram", employer_id=employer),
            await member(scheduling, groups[1], "chantal", employer_id=employer),
        ]
        ok(await self.apis["accreditation"].put("/v1/consents/SKJ", headers=self.mine()))
        for group, start, end in SESSIONS:
            present = [self.person_id, self.others[group]]
            session_id = await closed_session(
                scheduling, groups[group], present, start=start, end=end
            )
            signed = f"/v1/sessions/{session_id}/signatures"
            ok(await scheduling.post(signed, headers=self.mine()))
            self.sessions.append(session_id)

    async def entries(self) -> list[Any]:
        """Her ledger entries, as SKJ's registrar reads them (a read the log must show)."""
        page = await self.apis["accreditation"].get(
            "/v1/registrar/entries",
            params={"registration_number": SKJ["number"], "limit": 200},
            headers=self.registrar,
        )
        self.registrar_reads += 1
        return list(ok(page)["items"])

    async def invoices(self) -> list[Any]:
        page = ok(await self.apis["invoicing"].get("/v1/invoices", params={"limit": 200}))
        return [i for i in page["items"] if i["person_id"] == self.person_id]

    async def credential(self) -> Any:
        answer = await self.apis["accreditation"].post(
            "/v1/credentials",
            json={"session_id": self.sessions[0], "register": "SKJ"},
            headers=self.mine(),
        )
        return answer.json() if answer.status_code == 201 else None

    async def export(self) -> dict[str, Any]:
        answer = await self.apis["scheduling"].get(
            f"/v1/people/{self.person_id}/export", headers=self.mine()
        )
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/zip")
        archive = zipfile.ZipFile(io.BytesIO(answer.content))
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}

    async def close(self) -> None:
        for api in self.apis.values():
            await api.aclose()


def has_all(found: Iterable[Any], count: int) -> Any:
    items = list(found)
    return items if len(items) >= count else None


async def test_a_person_s_year_exported_whole_and_erased(
    platform: Platform, database_url: str, token_for: Callable[..., dict[str, str]]
) -> None:
    year = Year(platform, token_for)
    try:
        await run_the_year(year, platform, database_url)
    finally:
        await year.close()


async def run_the_year(year: Year, platform: Platform, database_url: str) -> None:
    scheduling, accreditation, invoicing = (year.apis[name] for name in SCHEMAS)
    await year.build()
    person_id = year.person_id
    entries = await eventually(lambda: _entries(year, 4))
    assert entries, "four sessions did not become four ledger entries"
    assert await eventually(year.credential), "no credential of her first session"
    invoices = await eventually(lambda: _issued(year, 4))
    assert invoices, "four sessions did not become four issued invoices of hers"

    # Bad input: another person's export, with her token.
    theirs = await scheduling.get(f"/v1/people/{year.others[0]}/export", headers=year.mine())
    assert theirs.status_code == 403
    assert [e["rule"] for e in theirs.json()["errors"]] == ["own_records_only"]

    # Bad input: her erasure while her invoices are unpaid. Refused, kept, nothing destroyed.
    before = await snapshot(database_url, person_id)
    refused = await scheduling.post(f"/v1/people/{person_id}/erasure")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert [e["rule"] for e in problem["errors"]] == ["open_obligations"]
    named = {i["id"] for i in problem["extra"]["invoices"]}
    assert named == {i["id"] for i in invoices}
    kept = ok(
        await scheduling.get(f"/v1/erasure-requests/{problem['extra']['erasure_request_id']}")
    )
    assert (kept["status"], kept["refusal"]["rule"], kept["parts"]) == (
        "refused",
        "open_obligations",
        [],
    )
    after = await snapshot(database_url, person_id)
    # The refusal is kept and announced (``erasure.refused``); nothing else changed.
    outbox = after["scheduling"].get("outbox", [])
    announced = [e for e in outbox if e["type"] == "erasure.refused"]
    assert [json.loads(e["payload"])["invoice_ids"] for e in announced] == [
        sorted(named, key=[i["id"] for i in problem["extra"]["invoices"]].index)
    ]
    after["scheduling"]["outbox"] = [e for e in outbox if e["type"] != "erasure.refused"]
    for schema in SCHEMAS:
        for table in {*before[schema], *after[schema]} - {"erasure_requests"}:
            assert after[schema].get(table, []) == before[schema].get(table, []), (
                f"{schema}.{table} changed on a refused erasure"
            )

    # Her export: everything the three services hold about her, compared with their tables.
    files = await year.export()
    exports = {schema: json.loads(files[f"{schema}.json"]) for schema in SCHEMAS}
    rows = await snapshot(database_url, person_id)
    problems = [
        found
        for schema in SCHEMAS
        for found in differences(schema, rows[schema], exports[schema], person_id)
    ]
    assert problems == [], "\n".join(problems)
    for schema, export in exports.items():
        assert (export["service"], export["person_id"]) == (schema, person_id)
    kinds = {schema: {k for k, v in e["records"].items() if v} for schema, e in exports.items()}
    assert {"people", "registrations", "memberships", "consents", "agreements", "attendance"} <= (
        kinds["scheduling"]
    )
    assert {"ledger_entries", "consents", "credentials"} <= kinds["accreditation"], kinds
    assert "invoices" in kinds["invoicing"], kinds
    assert len(exports["scheduling"]["records"]["attendance"]) == 4
    assert len(exports["accreditation"]["records"]["ledger_entries"]) == 4
    for invoice in invoices:
        pdf = files[f"documents/invoices/{invoice['number']}.pdf"]
        assert pdf.startswith(b"%PDF")

    # Paid, then erased: invoicing keeps the invoices for the law, the others erase.
    for invoice in invoices:
        paid = {"paid_on": today().isoformat()}
        ok(await invoicing.post(f"/v1/invoices/{invoice['id']}/payment", json=paid))
    erased = await scheduling.post(f"/v1/people/{person_id}/erasure")
    assert erased.status_code == 201, erased.text
    request = erased.json()
    assert request["status"] == "completed"
    assert [p["service"] for p in request["parts"]] == ["invoicing", "accreditation", "scheduling"]
    until = f"{today().year + 7}-12-31"
    assert {(h["kind"], h["id"], h["until"]) for h in request["held"]} == {
        ("invoice", i["id"], until) for i in invoices
    }
    assert all("AWR art. 52(4)" in h["reason"] for h in request["held"])
    again = await scheduling.post(f"/v1/people/{person_id}/erasure")
    assert (again.status_code, again.json()["id"]) == (200, request["id"])
    listed = ok(await scheduling.get("/v1/erasure-requests", params={"person_id": person_id}))
    assert [r["status"] for r in listed["items"]] == ["refused", "completed"]

    verified = ok(await accreditation.get("/v1/ledger/verification"))
    assert verified["valid"], verified["problems"]
    conn = await asyncpg.connect(database_url)
    try:
        named_in = [
            found
            for schema in ("scheduling", "accreditation")
            for found in await columns_naming(conn, schema, GIVEN, FAMILY, SKJ["number"])
        ]
    finally:
        await conn.close()
    assert named_in == [], "\n".join(named_in)
    seen = {e["id"]: e for e in await _registrar_all(year)}
    for entry in entries:
        marker = seen.get(entry["id"])
        assert marker is not None, f"the registrar no longer sees entry {entry['id']} at all"
        assert marker.get("erased") is True, marker
        assert not marker.get("person_name") and not marker.get("registration_number"), marker
    for invoice in invoices:
        stays = ok(await invoicing.get(f"/v1/invoices/{invoice['id']}"))
        assert stays["status"] == "paid"

    # The tenant keeps invoicing's processing log ten years (five unless chosen), so that it
    # outlives the invoices; then, seven years after the year of issue, the retention job
    # removes the invoices.
    chosen = await year.apis["invoicing"].put(
        "/v1/retention-settings",
        json={"settings": {"processing_log_years": 10}},
        headers=year.admin,
    )
    assert chosen.status_code == 200, chosen.text
    assert retention(platform, year.org, f"{today().year + 7}-12-31")
    for invoice in invoices:
        assert (await invoicing.get(f"/v1/invoices/{invoice['id']}")).status_code == 200
    assert retention(platform, year.org, f"{today().year + 8}-01-02")
    for invoice in invoices:
        assert (await invoicing.get(f"/v1/invoices/{invoice['id']}")).status_code == 404
    conn = await asyncpg.connect(database_url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM invoicing.invoices WHERE org_id = $1", year.org
        )
    finally:
        await conn.close()
    assert left == 0
    # ... and announces what it removed, her invoices by number, in invoicing's feed.
    (applied,) = await eventually(lambda: _announced(invoicing))
    (removal,) = [r for r in applied["data"]["removals"] if r["rule"] == "invoices"]
    assert removal["removed"] >= len(invoices)
    for invoice in invoices:
        assert any(_states(line, invoice["number"]) for line in removal["named"]), removal

    # Every registrar read of the flow is in accreditation's processing log: who, what, why.
    log = await _log(accreditation, year.admin)
    reads = [e for e in log if e["actor_subject"] == REGISTRAR]
    assert len(reads) >= year.registrar_reads, reads
    for entry in reads:
        assert entry["actor_role"] == "registrar"
        assert entry["operation"] == "listRegistrantEntries"
        assert entry["person_id"] == person_id or entry["scope"], entry
        assert entry["grant"], entry
    assert any(e["person_id"] == person_id for e in reads), reads
    expected = {
        "scheduling": {"exportPerson", "erasePerson", "eraseSubject"},
        "accreditation": {"exportSubject", "eraseSubject"},
        "invoicing": {"exportSubject", "eraseSubject"},
    }
    for name, api in year.apis.items():
        logged = [e for e in await _log(api, year.admin) if e["person_id"] == person_id]
        assert expected[name] <= {e["operation"] for e in logged}, (name, logged)


def _states(line: str, number: str) -> bool:
    """Whether a line of a removal's ``named`` (a number, or ``first..last`` of a series)
    states ``number``."""
    first, _, last = line.partition("..")
    series, _, sequence = number.rpartition("-")
    if not last:
        return first == number
    return first.rpartition("-")[0] == series and (
        int(first.rpartition("-")[2]) <= int(sequence) <= int(last.rpartition("-")[2])
    )


async def _announced(api: httpx.AsyncClient) -> list[dict[str, Any]] | None:
    """The retention job's announcements in the service's feed, once there is one."""
    seen, params = [], {"limit": 200}
    while True:
        page = ok(await api.get("/v1/events", params=params))
        seen += [e for e in page["items"] if e["type"] == "retention.applied"]
        if page["next_cursor"] == params.get("cursor"):
            return seen or None
        params["cursor"] = page["next_cursor"]


async def _entries(year: Year, count: int) -> Any:
    return has_all((e for e in await year.entries() if e.get("kind", "credit") == "credit"), count)


async def _issued(year: Year, count: int) -> Any:
    return has_all((i for i in await year.invoices() if i["status"] == "issued"), count)


async def _registrar_all(year: Year) -> list[Any]:
    """Every entry SKJ's registrar reads now, of every registrant (no number to ask by)."""
    items, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = ok(
            await year.apis["accreditation"].get(
                "/v1/registrar/entries", params=params, headers=year.registrar
            )
        )
        year.registrar_reads += 1
        items += page["items"]
        if not (cursor := page.get("next_cursor")):
            return items


async def _log(api: httpx.AsyncClient, admin: dict[str, str]) -> list[Any]:
    items, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = ok(await api.get("/v1/processing-log", params=params, headers=admin))
        items += page["items"]
        if not (cursor := page.get("next_cursor")):
            return items
        await asyncio.sleep(0)
