"""The bench's data set, generated in SQL from row numbers and a seed.

Everything is derived from ``generate_series`` row numbers, the seed and the anchor day (the
day of the run: sessions before it are closed, after it upcoming), so two runs with the same
scale, seed and day build the same rows. Rows go straight in as the database superuser (row
level security does not apply to it); the hash chain is plausible hex, not verified.

Tenants:

- ``main``: scale 1.0 = 1,000 groups, 50,000 people (each registered with NIP or NOVA),
  100,000 sessions (90 % closed over six years, 10 % upcoming within a year) and
  1,000,000 ledger entries (about 20 per person), consents for 90 % of registrants.
- ``curve-N``: a ledger of N entries (and N / 20 registrants) only, for the scale curve of
  the registrant query: the same number of entries per registrant at every size; each in a
  database of its own (:mod:`bench.curve`).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import date

import asyncpg

GENERATOR_VERSION = 3
ENTRIES_PER_PERSON = 20
PAST_FRACTION = 0.9
LEDGER = "accreditation.ledger_entries"
GROUP_MEMBERS = 10


@dataclass(frozen=True)
class Tenant:
    label: str
    people: int
    entries: int
    groups: int = 0
    sessions: int = 0

    @property
    def past_sessions(self) -> int:
        if self.sessions:
            return max(1, int(self.sessions * PAST_FRACTION))
        return max(1, self.entries // 10)

    @property
    def facilitators(self) -> int:
        return max(2, self.groups // 5) if self.groups else 0


def org_id(seed: int, label: str) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"kring-bench:{seed}:org:{label}".encode()).hexdigest())


def tenants(scale: float) -> list[Tenant]:
    """The main data set's tenants: the main tenant (the scale curve's ledgers are data sets of
    their own, :mod:`bench.curve`)."""
    return [
        Tenant(
            label="main",
            people=max(500, round(50_000 * scale)),
            entries=max(10_000, round(1_000_000 * scale)),
            groups=max(20, round(1_000 * scale)),
            sessions=max(1_000, round(100_000 * scale)),
        )
    ]


def curve_tenant(entries: int) -> Tenant:
    """A scale curve point's only tenant: a ledger of ``entries`` and its registrants."""
    return Tenant(label=f"curve-{entries}", people=entries // ENTRIES_PER_PERSON, entries=entries)


def _functions(seed: int) -> list[str]:
    """Temporary SQL functions (inlined by the planner) shared by every table's generator."""
    return [
        # A deterministic identifier per tenant, kind and row number.
        f"""
        CREATE FUNCTION pg_temp.bid(label text, kind text, n bigint) RETURNS uuid
        LANGUAGE sql IMMUTABLE AS $$
            SELECT md5('{seed}:' || label || ':' || kind || ':' || n)::uuid
        $$
        """,
        f"""
        CREATE FUNCTION pg_temp.h(label text, kind text, n bigint) RETURNS integer
        LANGUAGE sql IMMUTABLE AS $$
            SELECT abs(hashtext('{seed}:' || label || ':' || kind || ':' || n))
        $$
        """,
        """
        CREATE FUNCTION pg_temp.reg(label text, n bigint) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN pg_temp.h(label, 'reg', n) % 2 = 0 THEN 'NIP' ELSE 'NOVA' END
        $$
        """,
        """
        CREATE FUNCTION pg_temp.given(label text, n bigint) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT (ARRAY['Anna', 'Bram', 'Daan', 'Emma', 'Fleur', 'Joris', 'Lotte', 'Sanne',
                          'Thijs', 'Noor', 'Ruben', 'Iris', 'Sem', 'Julia', 'Lars', 'Maud'])
                   [1 + pg_temp.h(label, 'given', n) % 16]
        $$
        """,
        """
        CREATE FUNCTION pg_temp.family(label text, n bigint) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT (ARRAY['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker',
                          'Janssen', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder', 'Bos',
                          'Vos', 'Peters', 'Hendriks'])[1 + pg_temp.h(label, 'family', n) % 16]
        $$
        """,
        # Session k's day: the first `past` sessions within six years before the anchor, the
        # others within a year after it.
        """
        CREATE FUNCTION pg_temp.sday(label text, k bigint, past bigint, anchor date)
        RETURNS date LANGUAGE sql IMMUTABLE AS $$
            SELECT CASE WHEN k < past
                        THEN anchor - 1 - pg_temp.h(label, 'day', k) % 2190
                        ELSE anchor + 1 + pg_temp.h(label, 'day', k) % 365 END
        $$
        """,
        """
        CREATE FUNCTION pg_temp.sstart(d date) RETURNS timestamptz
        LANGUAGE sql IMMUTABLE AS $$
            SELECT (d + time '13:30') AT TIME ZONE 'Europe/Amsterdam'
        $$
        """,
        """
        CREATE FUNCTION pg_temp.smode(label text, k bigint) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT (ARRAY['in_person', 'in_person', 'online', 'hybrid'])
                   [1 + pg_temp.h(label, 'mode', k) % 4]
        $$
        """,
    ]


def _scheduling(t: Tenant, org: uuid.UUID) -> list[tuple[str, str]]:
    """(step, statement) for people, registrations, facilitators, groups, members, sessions."""
    label = t.label
    facilitators = t.facilitators
    members_from = facilitators  # facilitators are people too; members are the others
    pool = t.people - members_from
    return [
        (
            "people",
            f"""
            INSERT INTO scheduling.people (org_id, id, external_id, given_name, family_name,
                email, created_at, updated_at, career_started_on)
            SELECT '{org}', pg_temp.bid('{label}', 'person', i), 'hr-' || i,
                   pg_temp.given('{label}', i), pg_temp.family('{label}', i),
                   'person' || i || '@bench.example', $1::date - 400, $1::date - 400,
                   $1::date - 365 * (1 + pg_temp.h('{label}', 'career', i) % 30)
            FROM generate_series(0, {t.people - 1}) AS i
            """,
        ),
        (
            "person_registrations",
            f"""
            INSERT INTO scheduling.person_registrations (org_id, person_id, register, number,
                registered_on)
            SELECT '{org}', pg_temp.bid('{label}', 'person', i), pg_temp.reg('{label}', i),
                   lpad((i + 1)::text, 8, '0'),
                   $1::date - 365 * (1 + pg_temp.h('{label}', 'registered', i) % 20)
            FROM generate_series(0, {t.people - 1}) AS i
            """,
        ),
        (
            "facilitators",
            f"""
            INSERT INTO scheduling.facilitators (org_id, person_id, recognitions)
            SELECT '{org}', pg_temp.bid('{label}', 'person', f),
                   jsonb_build_array(jsonb_build_object('register', 'NIP', 'role', 'supervisor'),
                                     jsonb_build_object('register', 'NOVA',
                                                        'role', 'gespreksleider'))
            FROM generate_series(0, {facilitators - 1}) AS f
            """,
        ),
        (
            "groups",
            f"""
            INSERT INTO scheduling.groups (org_id, id, name, facilitator_id, mode, location)
            SELECT '{org}', pg_temp.bid('{label}', 'group', g), 'Intervisiegroep ' || g,
                   pg_temp.bid('{label}', 'person', g % {facilitators}), 'in_person', 'Utrecht'
            FROM generate_series(0, {t.groups - 1}) AS g
            """,
        ),
        (
            "group_members",
            f"""
            INSERT INTO scheduling.group_members (org_id, group_id, person_id, joined_at,
                consent_at)
            SELECT '{org}', pg_temp.bid('{label}', 'group', g),
                   pg_temp.bid('{label}', 'person',
                               {members_from} + (g * {GROUP_MEMBERS} + j) % {pool}),
                   $1::date - 2500, $1::date - 2500
            FROM generate_series(0, {t.groups - 1}) AS g,
                 generate_series(0, {GROUP_MEMBERS - 1}) AS j
            """,
        ),
        (
            "sessions",
            f"""
            INSERT INTO scheduling.sessions (org_id, id, group_id, status, starts_at, ends_at,
                mode, location, video_link, facilitator_id, sequence, closed_at, closed_by,
                facilitator_signed_at, created_at, updated_at)
            SELECT '{org}', pg_temp.bid('{label}', 'session', k),
                   pg_temp.bid('{label}', 'group', k % {t.groups}),
                   CASE WHEN k < {t.past_sessions} THEN 'closed' ELSE 'planned' END,
                   s.starts_at, s.starts_at + interval '2 hours', s.mode,
                   CASE WHEN s.mode <> 'online' THEN 'Utrecht' END,
                   CASE WHEN s.mode <> 'in_person' THEN 'https://meet.example/' || k END,
                   pg_temp.bid('{label}', 'person', (k % {t.groups}) % {facilitators}), 0,
                   CASE WHEN k < {t.past_sessions} THEN s.starts_at + interval '2 hours' END,
                   CASE WHEN k < {t.past_sessions} THEN 'bench' END,
                   CASE WHEN k < {t.past_sessions} THEN s.starts_at + interval '2 hours' END,
                   s.starts_at - interval '90 days', s.starts_at - interval '90 days'
            FROM generate_series(0, {t.sessions - 1}) AS k,
                 LATERAL (SELECT pg_temp.sstart(pg_temp.sday('{label}', k, {t.past_sessions},
                                                             $1::date)) AS starts_at,
                                 pg_temp.smode('{label}', k) AS mode) AS s
            """,
        ),
    ]


async def ledger_keys(conn: asyncpg.Connection) -> tuple[list[str], list[str], list[str]]:
    """The ledger's keys (primary, unique), foreign keys and other indexes, each as the
    statement that makes it again."""
    constraints = await conn.fetch(
        "SELECT conname, contype::text AS contype, pg_get_constraintdef(oid) AS def "
        "FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'f') ORDER BY conname",
        LEDGER,
    )
    indexes = await conn.fetch(
        "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def "
        "FROM pg_index WHERE indrelid = $1::regclass AND indexrelid NOT IN "
        "(SELECT conindid FROM pg_constraint WHERE conrelid = $1::regclass) ORDER BY 1",
        LEDGER,
    )

    referring = await conn.fetch(
        "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def "
        "FROM pg_constraint WHERE confrelid = $1::regclass AND conrelid <> $1::regclass "
        "AND contype = 'f' ORDER BY 1, 2",
        LEDGER,
    )

    def add(c: asyncpg.Record) -> str:
        return f'ALTER TABLE {LEDGER} ADD CONSTRAINT "{c["conname"]}" {c["def"]}'

    keys = [add(c) for c in constraints if c["contype"] != "f"]
    foreign = [
        *(add(c) for c in constraints if c["contype"] == "f"),
        *(f'ALTER TABLE {r["tbl"]} ADD CONSTRAINT "{r["conname"]}" {r["def"]}' for r in referring),
    ]
    drops = [
        # other tables' keys on the ledger's (ledger_redactions'): they need its unique index
        *(f'ALTER TABLE {r["tbl"]} DROP CONSTRAINT "{r["conname"]}"' for r in referring),
        *(
            f'ALTER TABLE {LEDGER} DROP CONSTRAINT "{c["conname"]}"'
            for c in constraints
            if c["contype"] == "f"
        ),
        *(
            f'ALTER TABLE {LEDGER} DROP CONSTRAINT "{c["conname"]}"'
            for c in constraints
            if c["contype"] != "f"
        ),
        *(f"DROP INDEX {i['name']}" for i in indexes),
    ]
    return drops, [*keys, *(i["def"] for i in indexes)], foreign


SESSIONS_INPUT = "public.bench_gen_sessions"
PEOPLE_INPUT = "public.bench_gen_people"


def _ledger_inputs(t: Tenant) -> list[str]:
    """What every entry of a closed session or a person repeats, computed once per session and
    once per person (unlogged tables, dropped after the load) rather than once per entry:
    the ledger's statement then joins them, and its cost per row is its own identifiers and
    hashes."""
    label = t.label
    return [
        f"DROP TABLE IF EXISTS {SESSIONS_INPUT}, {PEOPLE_INPUT}",
        f"""
        CREATE UNLOGGED TABLE {SESSIONS_INPUT} AS
        SELECT k, pg_temp.bid('{label}', 'session', k) AS id, d.day,
               pg_temp.sstart(d.day) AS starts, pg_temp.smode('{label}', k) AS mode,
               6 + pg_temp.h('{label}', 'size', k) % 5 AS size,
               date_trunc('year', d.day)::date AS nova_start,
               (date_trunc('year', d.day) + interval '1 year - 1 day')::date AS nova_end,
               make_date(2000 + 5 * ((extract(year FROM d.day)::int - 2000) / 5), 1, 1)
                   AS nip_start,
               make_date(2004 + 5 * ((extract(year FROM d.day)::int - 2000) / 5), 12, 31)
                   AS nip_end
        FROM generate_series(0, {t.past_sessions - 1}) AS k,
             LATERAL (SELECT pg_temp.sday('{label}', k, {t.past_sessions}, $1::date) AS day) d
        """,
        f"""
        CREATE UNLOGGED TABLE {PEOPLE_INPUT} AS
        SELECT i, pg_temp.bid('{label}', 'person', i) AS id, pg_temp.reg('{label}', i) AS reg,
               lpad((i + 1)::text, 8, '0') AS number,
               pg_temp.given('{label}', i) || ' ' || pg_temp.family('{label}', i) AS name
        FROM generate_series(0, {t.people - 1}) AS i
        """,
        f"ANALYZE {SESSIONS_INPUT}",
        f"ANALYZE {PEOPLE_INPUT}",
    ]


def _consents(t: Tenant, org: uuid.UUID) -> str:
    label = t.label
    return f"""
    INSERT INTO accreditation.consents (org_id, id, person_id, register_code,
        granted_at, revoked_at)
    SELECT '{org}', pg_temp.bid('{label}', 'consent', i),
           pg_temp.bid('{label}', 'person', i), pg_temp.reg('{label}', i),
           $1::date - 2500,
           CASE WHEN pg_temp.h('{label}', 'revoked', i) % 50 = 0
                THEN $1::date - 30 END
    FROM generate_series(0, {t.people - 1}) AS i
    WHERE pg_temp.h('{label}', 'consent', i) % 10 <> 0
    """


def _ledger(t: Tenant, org: uuid.UUID, rows: range) -> str:
    """The ledger entries ``rows`` (numbers from 0) of tenant ``t``, from :func:`_ledger_inputs`.

    Entry n is slot n / past of closed session n % past; its person is
    (session * slots + slot) % people, so no (session, person) pair repeats.
    """
    label = t.label
    past = t.past_sessions
    slots = -(-t.entries // past)
    facilitators = t.facilitators or max(2, t.people // 50)
    return f"""
    INSERT INTO accreditation.ledger_entries (org_id, id, seq, kind, session_id,
        person_id, register_code, revision, registration_number, person_name,
        session_date, started_at, ended_at, mode, group_size, method, facilitator_name,
        facilitator_recognitions, minutes, points_centi, rule_set_id, rule_version,
        cycle_start, cycle_end, self_declared, reverses_id, reason, recorded_at,
        recorded_by, prev_hash, hash)
    SELECT '{org}', pg_temp.bid('{label}', 'entry', x.n), x.n + 1, 'credit', s.id, p.id,
           p.reg, 1, p.number, p.name, s.day, s.starts, s.starts + interval '2 hours', s.mode,
           s.size, 'Incidentmethode', f.name, ARRAY['NIP', 'NOVA'], 120,
           CASE WHEN p.reg = 'NOVA' THEN 200 ELSE 0 END, r.id, r.version,
           CASE WHEN p.reg = 'NOVA' THEN s.nova_start ELSE s.nip_start END,
           CASE WHEN p.reg = 'NOVA' THEN s.nova_end ELSE s.nip_end END,
           false, NULL, NULL, s.starts + interval '1 day 3 hours', 'service:scheduling',
           CASE WHEN x.n = 0 THEN repeat('0', 64)
                ELSE md5('{label}:h1:' || (x.n - 1)) || md5('{label}:h2:' || (x.n - 1))
           END,
           md5('{label}:h1:' || x.n) || md5('{label}:h2:' || x.n)
    FROM (
        SELECT n, n % {past} AS k, (n % {past} * {slots} + n / {past}) % {t.people} AS i,
               (n % {past}) % {facilitators} AS f
        FROM generate_series({rows.start}, {rows.stop - 1}) AS n
    ) AS x
    JOIN {SESSIONS_INPUT} s ON s.k = x.k
    JOIN {PEOPLE_INPUT} p ON p.i = x.i
    JOIN {PEOPLE_INPUT} f ON f.i = x.f
    JOIN accreditation.rule_sets r
      ON r.org_id IS NULL AND r.register_code = p.reg AND r.version = 1
    """


def _accreditation(t: Tenant, org: uuid.UUID) -> list[tuple[str, str]]:
    """(step, statement) for consents and ledger entries, and the ledger's inputs around them."""
    inputs = [("ledger inputs", statement) for statement in _ledger_inputs(t)]
    return [
        ("consents", _consents(t, org)),
        *inputs,
        ("ledger_entries", _ledger(t, org, range(t.entries))),
        ("ledger inputs", f"DROP TABLE {SESSIONS_INPUT}, {PEOPLE_INPUT}"),
    ]


async def generate(
    conn: asyncpg.Connection, *, scale: float, seed: int, anchor: date
) -> list[dict[str, object]]:
    """Fill an empty, migrated database; answers the timing of each step."""
    await conn.execute("SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'")
    await conn.execute("SET synchronous_commit = off")
    for statement in _functions(seed):
        await conn.execute(statement)
    steps: list[dict[str, object]] = []
    # A bulk load: the ledger's keys and indexes are built once the rows are in, not per row.
    drops, rebuild, foreign = await ledger_keys(conn)
    for statement in drops:
        await conn.execute(statement)
    for tenant in tenants(scale):
        org = org_id(seed, tenant.label)
        plan = (_scheduling(tenant, org) if tenant.groups else []) + _accreditation(tenant, org)
        for step, statement in plan:
            started = time.perf_counter()
            args = (anchor,) if "$1" in statement else ()
            status = await conn.execute(statement, *args)
            seconds = time.perf_counter() - started
            rows = int(status.split()[-1]) if status.split()[-1].isdigit() else 0
            last = steps[-1] if steps else {}
            if (last.get("tenant"), last.get("step")) == (tenant.label, step):
                last["rows"] = int(str(last["rows"])) + rows  # a step of several statements
                last["seconds"] = round(float(str(last["seconds"])) + seconds, 2)
            else:
                steps.append(
                    {
                        "tenant": tenant.label,
                        "step": step,
                        "rows": rows,
                        "seconds": round(seconds, 2),
                    }
                )
            print(f"  {tenant.label:<14} {step:<22} {rows:>10,} rows {seconds:8.1f} s", flush=True)
    started = time.perf_counter()
    for statement in [*rebuild, *foreign]:
        await conn.execute(statement)
    seconds = time.perf_counter() - started
    steps.append(
        {"tenant": "*", "step": "ledger keys and indexes", "rows": 0, "seconds": round(seconds, 2)}
    )
    print(f"  {'*':<14} {'ledger keys, indexes':<22} {'':>10}      {seconds:8.1f} s", flush=True)
    started = time.perf_counter()
    for table in (
        "scheduling.people",
        "scheduling.person_registrations",
        "scheduling.group_members",
        "scheduling.sessions",
        "accreditation.consents",
        "accreditation.ledger_entries",
    ):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    steps.append({"tenant": "*", "step": "vacuum analyze", "rows": 0, "seconds": round(seconds, 2)})
    print(f"  {'*':<14} {'vacuum analyze':<22} {'':>10}      {seconds:8.1f} s", flush=True)
    return steps
