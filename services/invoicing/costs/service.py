"""Cost sheets' use cases, on the caller's connection: rules from ``rules.py`` and
``checks.py``, lines from ``lines.py``, SQL from ``repository.py``, scheduling's sessions
from ``sessions.py``; the drafts a sheet is split into are stored by ``invoices``."""

from __future__ import annotations

import uuid

import asyncpg

from services.kit.errors import FieldError, NotFound
from services.kit.pagination import Keyset, page_of

from ..debtors import repository as debtors
from ..debtors import rules as debtor_rules
from ..invoices import repository as invoice_repository
from ..invoices import service as invoices
from ..invoices.rules import Buyer
from ..principal import Principal
from ..profiles import repository as profiles
from ..profiles.schemas import BillingProfile
from ..relations import service as relations
from . import checks, events, repository, rules
from .lines import revised_lines, sheet_lines
from .schemas import CostSheet, CostSheetIn, CostSheetPage, CostsIn, Participant, Reconciliation
from .sessions import Sessions


async def _profile(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID
) -> BillingProfile:
    profile = await profiles.find(conn, org_id, facilitator_id)
    if profile is None:
        raise NotFound(
            f"No billing profile of facilitator {facilitator_id}.",
            errors=[
                FieldError(field="body.facilitator_id", rule="exists", message="no billing profile")
            ],
        )
    return profile


async def create(
    conn: asyncpg.Connection, principal: Principal, data: CostSheetIn, *, sessions: Sessions
) -> CostSheet:
    """Record a facilitator's cost sheet with the rates of their billing profile, for a session
    scheduling knows; it replaces the session's sheet whose billing was undone (credited)."""
    org_id = principal.org_id
    rules.check_may_bill(principal, data.facilitator_id)
    profile = await _profile(conn, org_id, data.facilitator_id)
    participants = await _participants(
        conn, org_id, data, profile, seen_by=debtor_rules.seen_by(principal)
    )
    checks.check_session(await sessions.find(data.session_id), data)
    await _replace(conn, org_id, data.session_id)
    sheet, _ = await _store(conn, org_id, data, participants, profile)
    return sheet


async def record(
    conn: asyncpg.Connection, org_id: uuid.UUID, data: CostSheetIn, profile: BillingProfile
) -> tuple[CostSheet, list[uuid.UUID]]:
    """Record a session's cost sheet and its drafts (one per sharing participant) in the
    caller's transaction: the rates, BTW mode and series come from ``profile``.

    A ``session.closed`` event's sheet, and the tail of ``POST /v1/cost-sheets``. Returns the
    sheet and its drafts' ids in the sheet's order.
    """
    participants = await _participants(conn, org_id, data, profile)
    return await _store(conn, org_id, data, participants, profile)


async def _participants(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    data: CostSheetIn,
    profile: BillingProfile,
    *,
    seen_by: uuid.UUID | None = None,
) -> list[Participant]:
    """The sheet checked against its own rules, its participants with their debtors. A debtor
    named by id is one the caller sees (``seen_by``, a facilitator: ADR 0102), or the own
    debtor of a participant of the sheet; any other is answered as absent."""
    lines = sheet_lines(
        data,
        hourly_rate_cents=profile.hourly_rate_cents,
        rate_per_km_cents=profile.rate_per_km_cents,
    )
    rules.check_sheet(data, lines)
    stored = await debtors.many(
        conn,
        org_id,
        [p.debtor_id for p in data.participants if p.debtor_id],
        seen_by=seen_by,
        people=[p.person_id for p in data.participants],
    )
    return rules.resolve(data.participants, stored)


async def _store(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    data: CostSheetIn,
    participants: list[Participant],
    profile: BillingProfile,
) -> tuple[CostSheet, list[uuid.UUID]]:
    sheet = await repository.insert(
        conn,
        org_id,
        data,
        participants=participants,
        hourly_rate_cents=profile.hourly_rate_cents,
        rate_per_km_cents=profile.rate_per_km_cents,
    )
    return sheet, await _split(conn, org_id, sheet, profile)


async def _split(
    conn: asyncpg.Connection, org_id: uuid.UUID, sheet: CostSheet, profile: BillingProfile
) -> list[uuid.UUID]:
    """The sheet's drafts, one per sharing participant in the sheet's order: the one way a
    sheet, made or revised, becomes invoices. Those with nobody (complete) to bill are held
    and announced (``cost_sheet.needs_debtor``)."""
    buyers = await _buyers(conn, org_id, sheet)
    drafts = rules.drafts(sheet, btw_rate_percent=rules.rate_percent(profile), buyers=buyers)
    ids = await invoices.draft(conn, org_id, drafts, profile=profile)
    await events.announce_held(conn, org_id, sheet, drafts, ids)
    return ids


async def _buyers(
    conn: asyncpg.Connection, org_id: uuid.UUID, sheet: CostSheet
) -> dict[uuid.UUID, Buyer | None]:
    """Whom each participant's invoice goes to: the debtor the sheet gives, or else the one
    their billing relations give now; those relations also tell whom a debtor given is."""
    links = await relations.links(
        conn,
        org_id,
        person_ids=(p.person_id for p in sheet.participants),
        client_organisation_ids=(p.client_organisation_id for p in sheet.participants),
    )
    return rules.buyers(sheet.participants, links)


async def _replace(conn: asyncpg.Connection, org_id: uuid.UUID, session_id: uuid.UUID) -> None:
    """Make way for a new sheet of the session: its current sheet, if any, must be undone
    (``checks.check_replaceable``); it is superseded and its drafts left are discarded."""
    current = await repository.sheet_of_session(conn, org_id, session_id)
    if current is None:
        return
    sheet = await repository.get(conn, org_id, current)
    billed = await invoice_repository.of_cost_sheet(conn, org_id, current, lock=True)
    checks.check_replaceable(sheet, billed)
    await invoice_repository.delete_drafts(conn, org_id, current)
    await repository.supersede(conn, org_id, current)


async def revise(
    conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID, data: CostsIn
) -> CostSheet:
    """Replace a sheet's costs while none of its invoices is issued: its lines are recomputed
    and its drafts made again, for the same participants in the same order."""
    org_id = principal.org_id
    sheet = await get(conn, principal, sheet_id, lock=True)
    checks.check_revisable(
        sheet, await invoice_repository.of_cost_sheet(conn, org_id, sheet.id, lock=True)
    )
    rules.check_revision(sheet, revised_lines(sheet, data))
    profile = await _profile(conn, org_id, sheet.facilitator_id)
    revised = await repository.revise(conn, org_id, sheet.id, data)
    await invoice_repository.delete_drafts(conn, org_id, sheet.id)
    await _split(conn, org_id, revised, profile)
    return revised


async def get(
    conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID, *, lock: bool = False
) -> CostSheet:
    """A cost sheet the caller may read (``lock``: its row locked); another facilitator's is
    not found."""
    sheet = await repository.get(conn, principal.org_id, sheet_id, lock=lock)
    if not rules.may_read(principal, sheet):
        raise NotFound(f"No cost sheet {sheet_id}.")
    return sheet


async def page(conn: asyncpg.Connection, principal: Principal, asked: Keyset) -> CostSheetPage:
    """A page of the cost sheets the caller may read: a facilitator's own, or all."""
    facilitator_id = rules.facilitator_filter(principal)
    items = await repository.page(conn, principal.org_id, asked, facilitator_id=facilitator_id)
    return page_of(CostSheetPage, items, asked.limit)


async def reconciliation(
    conn: asyncpg.Connection, principal: Principal, sheet_id: uuid.UUID
) -> Reconciliation:
    sheet = await get(conn, principal, sheet_id)
    billed = await invoice_repository.of_cost_sheet(conn, principal.org_id, sheet.id)
    return rules.reconcile(sheet, billed)
