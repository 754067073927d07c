"""The retention framework: what each service keeps, for how long, and the job that removes
what is due (ADR 0091; recorded per batch and announced after: ADR 0099).

A service registers its :class:`Rule` objects with its app (``create_service_app(...,
retention=(INVOICES,))``); the kit adds its own (:data:`KIT_RULES`: the outbox, the webhook
delivery logs, the idempotency records, the processing log). Each rule has a :class:`Setting`
(its unit, default, floor and maximum), which a tenant may change through
``PUT /v1/retention-settings``.

:func:`run` (``kring retention --service NAME [--as-of DATE]``) visits each rule's tenants
(``retention_tenants(table)``: the job's connection names no tenant) and, in transactions
scoped to one tenant, calls the rule's ``remove`` with what is :class:`Due` until it removes
fewer rows than asked. Safe to run concurrently: each batch holds a transaction-level
advisory lock on (rule, tenant), taken without waiting (a runner finding it held leaves that
tenant's rule to the other); removals lock their rows ``SKIP LOCKED``, and what is removed is
gone, so a second run removes nothing.

A run visits tenant after tenant, applying every rule to one tenant before the next. Each
batch records what it removed in ``retention_runs`` (shown with its setting) in the
transaction that removes it, so a removal is never unrecorded. Once a tenant's rules are
done, one transaction announces what its records not yet announced state,
``retention.applied`` (:class:`~.schemas.RetentionAppliedData`, one event per run), and marks
them announced: a run killed between batches leaves its records unannounced, and the next run
announces them (``retention_unannounced()``), whether or not it removes anything more.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import msgspec

from .. import outbox
from ..db import transaction
from ..events import channel
from ..ids import uuid7
from . import rules
from .rules import Period, Setting
from .schemas import RetentionAppliedData, RetentionRemoval

__all__ = [
    "APPLIED",
    "KIT_RULES",
    "WEBHOOKS",
    "Due",
    "Period",
    "Removed",
    "Rule",
    "Setting",
    "count_of",
    "removing",
    "rules_of",
    "run",
]

BATCH = 500
"""Rows one transaction removes at most: short transactions, short locks."""
APPLIED = "retention.applied"
WEBHOOKS: dict[str, type[msgspec.Struct]] = {APPLIED: RetentionAppliedData}
"""The event the retention job sends, in every service's catalogue."""


@dataclass(frozen=True, kw_only=True)
class Due:
    """What a rule's ``remove`` is asked for: at most ``limit`` rows of the tenant ``org_id``
    older than ``cutoff`` (``value`` of the setting's unit before ``as_of``)."""

    org_id: uuid.UUID
    as_of: datetime
    value: int
    cutoff: datetime
    limit: int
    named: list[str] = field(default_factory=list)
    """Where users know the removed rows by a name (an invoice's number), the rule adds the
    names of those it removed here; the run's announcement states them."""


Remove = Callable[[asyncpg.Connection, Due], Awaitable[int]]
"""Remove (or shred) at most ``due.limit`` rows due, in the tenant's transaction; how many.
A row it counts is no longer due after (else the job would come back for it), and rows
another transaction holds are passed over (``FOR UPDATE SKIP LOCKED``)."""
Summarise = Callable[[Sequence[str]], list[str]]
"""The names a rule's batches added to ``Due.named``, as its announcement states them."""


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What a service retains: ``remove`` applies ``setting`` to the rows of ``table`` (whose
    tenants the job visits), judged by ``setting.unit``."""

    name: str
    table: str
    setting: Setting
    remove: Remove
    summarise: Summarise = sorted
    """How the names of the removed rows are stated (``sorted``: each, in order)."""

    @property
    def period(self) -> Period:
        return self.setting.unit


@dataclass(frozen=True)
class Removed:
    """One rule's outcome for one tenant in a run (``skipped``: another runner held it); what
    it removed is recorded batch by batch in ``retention_runs``."""

    rule: str
    org_id: uuid.UUID
    removed: int
    skipped: bool = False


def count_of(status: str) -> int:
    """The row count of a command's status (``DELETE 12``, ``UPDATE 3``)."""
    return int(status.rsplit(" ", 1)[-1])


async def removing(conn: asyncpg.Connection, statement: str, due: Due) -> int:
    """Run ``statement`` (its parameters: the tenant, the cutoff, the limit); the rows it
    removed."""
    return count_of(await conn.execute(statement, due.org_id, due.cutoff, due.limit))


async def _remove_idempotency(conn: asyncpg.Connection, due: Due) -> int:
    return await removing(
        conn,
        """
        DELETE FROM idempotency_keys k USING (
            SELECT org_id, key FROM idempotency_keys
            WHERE org_id = $1 AND created_at < $2 AND status IS NOT NULL
            LIMIT $3 FOR UPDATE SKIP LOCKED
        ) due
        WHERE k.org_id = due.org_id AND k.key = due.key
        """,
        due,
    )


async def _remove_delivery_logs(conn: asyncpg.Connection, due: Due) -> int:
    """The finished deliveries (and their attempts) of the tenant's events older than the
    cutoff; a pending one is kept, whatever its age."""
    return await removing(
        conn,
        """
        WITH due AS (
            SELECT d.id FROM outbox o JOIN deliveries d ON d.event_position = o.position
            WHERE o.org_id = $1 AND o.occurred_at < $2 AND d.status <> 'pending'
            LIMIT $3 FOR UPDATE OF d SKIP LOCKED
        ), attempts AS (
            DELETE FROM delivery_attempts a USING due WHERE a.delivery_id = due.id
        )
        DELETE FROM deliveries d USING due WHERE d.id = due.id
        """,
        due,
    )


async def _remove_outbox(conn: asyncpg.Connection, due: Due) -> int:
    """The tenant's events older than the cutoff with no delivery pending, with their finished
    deliveries and attempts."""
    return await removing(
        conn,
        """
        WITH due AS (
            SELECT o.position FROM outbox o
            WHERE o.org_id = $1 AND o.occurred_at < $2 AND NOT EXISTS (
                SELECT FROM deliveries p
                WHERE p.event_position = o.position AND p.status = 'pending'
            )
            ORDER BY o.occurred_at LIMIT $3 FOR UPDATE OF o SKIP LOCKED
        ), finished AS (
            SELECT d.id FROM deliveries d JOIN due ON d.event_position = due.position
        ), attempts AS (
            DELETE FROM delivery_attempts a USING finished WHERE a.delivery_id = finished.id
        ), deliveries_removed AS (
            DELETE FROM deliveries d USING finished WHERE d.id = finished.id
        )
        DELETE FROM outbox o USING due WHERE o.position = due.position
        """,
        due,
    )


RELAY_FLOOR = (
    "the relay retries a delivery for about three days, and a receiver may replay what it"
    " missed for a week after"
)


def _relay_rule(name: str, *, description: str, remove: Remove) -> Rule:
    """A rule of the relay's own records: days after the event, 90 unless chosen, 7 at least."""
    setting = Setting(
        name=f"{name}_days",
        unit="days",
        default=90,
        minimum=7,
        maximum=3650,
        description=description,
        basis=RELAY_FLOOR,
    )
    return Rule(name=name, table="outbox", setting=setting, remove=remove)


OUTBOX = _relay_rule(
    "outbox",
    description="Days an event is kept in the outbox (its event feed and replays) after it"
    " happened; one still being delivered is kept until it is delivered or given up.",
    remove=_remove_outbox,
)
DELIVERY_LOGS = _relay_rule(
    "delivery_logs",
    description="Days the webhook delivery log (each delivery and its attempts) is kept"
    " after its event happened; a delivery still pending is kept.",
    remove=_remove_delivery_logs,
)
IDEMPOTENCY = Rule(
    name="idempotency",
    table="idempotency_keys",
    setting=Setting(
        name="idempotency_hours",
        unit="hours",
        default=24,
        minimum=24,
        maximum=24,
        description="Hours the answer to an `Idempotency-Key` is kept to be replayed.",
        basis="a retried request is answered as the first one for 24 hours (fixed)",
    ),
    remove=_remove_idempotency,
)


async def _remove_processing_log(conn: asyncpg.Connection, due: Due) -> int:
    """The tenant's processing log entries older than the cutoff, oldest first. The database
    lets the job remove only entries more than a year older than the moment it states
    (``kring.retention_as_of``, judged in UTC), so the cutoff is never later than that. No
    row lock is taken (the role may not update the log): the log is never changed, and the
    run's advisory lock keeps a second runner off the tenant's rule."""
    as_of = due.as_of.astimezone(UTC)
    await conn.execute("SELECT set_config('kring.retention_as_of', $1, true)", as_of.isoformat())
    before = min(due.cutoff, rules.cutoff(as_of, PROCESSING_LOG_FLOOR, "years"))
    return count_of(
        await conn.execute(
            """
            DELETE FROM processing_log WHERE id IN (
                SELECT id FROM processing_log WHERE org_id = $1 AND at < $2 ORDER BY id LIMIT $3
            )
            """,
            due.org_id,
            before,
            due.limit,
        )
    )


PROCESSING_LOG_FLOOR = 1
"""Years an entry of the processing log is kept at least; the database holds it too."""
PROCESSING_LOG = Rule(
    name="processing_log",
    table="processing_log",
    setting=Setting(
        name="processing_log_years",
        unit="years",
        default=5,
        minimum=PROCESSING_LOG_FLOOR,
        maximum=10,
        description="Years an entry of the processing log (who read, exported or erased whose"
        " data, when and under which grant) is kept after it was written.",
        basis="a person may ask who read their data (GDPR art. 15, accountability art. 5(2)):"
        " the log answers for at least a year",
    ),
    remove=_remove_processing_log,
)
KIT_RULES: tuple[Rule, ...] = (OUTBOX, DELIVERY_LOGS, IDEMPOTENCY, PROCESSING_LOG)


def rules_of(service_rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The kit's rules and a service's, each setting named once."""
    every = (*KIT_RULES, *service_rules)
    names = [r.setting.name for r in every]
    if len(set(names)) != len(names) or len({r.name for r in every}) != len(every):
        raise ValueError("two retention rules share a name or a setting")
    return every


async def _value(conn: asyncpg.Connection, org_id: uuid.UUID, setting: Setting) -> int:
    chosen = await conn.fetchval(
        "SELECT value FROM retention_settings WHERE org_id = $1 AND name = $2",
        org_id,
        setting.name,
    )
    return setting.default if chosen is None else int(chosen)


async def _apply(
    pool: asyncpg.Pool,
    rule: Rule,
    org_id: uuid.UUID,
    *,
    lock: str,
    as_of: datetime,
    batch: int,
    run_id: uuid.UUID,
) -> Removed:
    removed = 0
    while True:
        async with transaction(pool, org_id=org_id) as conn:
            held = await conn.fetchval(
                "SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2))", lock, str(org_id)
            )
            if not held:
                return Removed(rule.name, org_id, removed, skipped=True)
            # The floor holds even for a value stored before it was raised.
            value = max(await _value(conn, org_id, rule.setting), rule.setting.minimum)
            due = Due(
                org_id=org_id,
                as_of=as_of,
                value=value,
                cutoff=rules.cutoff(as_of, value, rule.period),
                limit=batch,
            )
            count = await rule.remove(conn, due)
            if count:  # recorded with the removal: a run killed after this batch loses nothing
                await conn.execute(
                    _RECORD,
                    *(org_id, uuid7(), run_id, rule.name, as_of, due.cutoff, value, count),
                    due.named,
                )
        removed += count
        # Done when a batch finds nothing: a short one is not proof, rows locked by another
        # transaction were skipped (SKIP LOCKED) and may be due still.
        if count == 0:
            return Removed(rule.name, org_id, removed)


_RECORD = """
    INSERT INTO retention_runs (org_id, id, run_id, rule, as_of, cutoff, value, removed, named)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""


async def _announce(
    pool: asyncpg.Pool, retained: Sequence[Rule], org_id: uuid.UUID, *, schema: str
) -> None:
    """Announce what the tenant's records not yet announced state, one ``retention.applied``
    per run (a killed run's too), and mark them announced, in one transaction. Records another
    runner is announcing are passed over."""
    settings = {r.name: r for r in retained}
    async with transaction(pool, org_id=org_id) as conn:
        rows = await conn.fetch(_UNANNOUNCED, org_id)
        runs: dict[uuid.UUID, list[asyncpg.Record]] = {}
        for row in rows:
            runs.setdefault(row["run_id"], []).append(row)
        for batches in runs.values():
            await outbox.emit(
                conn,
                org_id=org_id,
                type=APPLIED,
                aggregate_id=org_id,
                payload=_applied(settings, batches),
                channel=channel(schema),
            )
        if rows:
            await conn.execute(
                "UPDATE retention_runs SET announced_at = now() WHERE org_id = $1 AND id = ANY($2)",
                org_id,
                [row["id"] for row in rows],
            )


_UNANNOUNCED = """
    SELECT id, run_id, rule, as_of, cutoff, value, removed, named, ran_at FROM retention_runs
    WHERE org_id = $1 AND announced_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED
"""


def _applied(rules_by_name: dict[str, Rule], batches: list[asyncpg.Record]) -> RetentionAppliedData:
    """One run's announcement from its batches' records, a removal per rule in rule order."""
    by_rule: dict[str, list[asyncpg.Record]] = {}
    for batch in batches:
        by_rule.setdefault(batch["rule"], []).append(batch)
    removals = []
    for name, records in by_rule.items():
        setting, last = rules_by_name[name].setting, records[-1]
        named = [n for record in records for n in record["named"]]
        removals.append(
            RetentionRemoval(
                rule=name,
                setting=setting.name,
                value=last["value"],
                unit=setting.unit,
                cutoff=last["cutoff"],
                removed=sum(record["removed"] for record in records),
                named=rules_by_name[name].summarise(named) if named else [],
            )
        )
    ran_at = max(batch["ran_at"] for batch in batches)
    return RetentionAppliedData(as_of=batches[-1]["as_of"], ran_at=ran_at, removals=removals)


async def run(
    pool: asyncpg.Pool,
    retained: Sequence[Rule],
    *,
    schema: str,
    as_of: datetime,
    orgs: Collection[uuid.UUID] | None = None,
    batch: int = BATCH,
) -> list[Removed]:
    """Apply each rule of ``retained`` (a service's ``app.state.retention``: the kit's and its
    own, :func:`rules_of`) to every tenant holding rows of its table (of ``orgs`` only, when
    given), judged at ``as_of`` (timezone-aware); each tenant's removals are recorded and
    announced once its rules are done."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    holding: dict[uuid.UUID, list[Rule]] = {}
    for rule in retained:
        async with transaction(pool, org_id=None, readonly=True) as conn:
            tenants = await conn.fetch("SELECT retention_tenants($1::regclass)", rule.table)
        for (org_id,) in tenants:
            if orgs is None or org_id in orgs:
                holding.setdefault(org_id, []).append(rule)
    async with transaction(pool, org_id=None, readonly=True) as conn:
        left = {r for (r,) in await conn.fetch("SELECT retention_unannounced()")}
    for org_id in left:  # what a killed run removed and did not announce
        if orgs is None or org_id in orgs:
            holding.setdefault(org_id, [])
    outcomes, run_id = [], uuid7()
    for org_id, tenant_rules in holding.items():
        applied = [
            await _apply(
                pool,
                rule,
                org_id,
                lock=f"kring-retention-{schema}-{rule.name}",
                as_of=as_of,
                batch=batch,
                run_id=run_id,
            )
            for rule in tenant_rules
        ]
        if org_id in left or any(o.removed for o in applied):
            await _announce(pool, retained, org_id, schema=schema)
        outcomes.extend(applied)
    return outcomes
