"""The registrar query as an ORM select: the same filters, order and limit as Kring's SQL."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Consent, LedgerEntry


async def registrar_page(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    register_code: str,
    registration_numbers: list[str] | None,
    from_date: date | None,
    to_date: date | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[LedgerEntry]:
    """A register's entries of registrants who consented; ``limit + 1`` to tell a next page."""
    consented = exists().where(
        Consent.org_id == LedgerEntry.org_id,
        Consent.person_id == LedgerEntry.person_id,
        Consent.register_code == LedgerEntry.register_code,
        Consent.revoked_at.is_(None),
    )
    query = (
        select(LedgerEntry)
        .where(LedgerEntry.org_id == org_id, LedgerEntry.register_code == register_code)
        .where(consented)
    )
    if registration_numbers:
        query = query.where(LedgerEntry.registration_number.in_(registration_numbers))
    if from_date is not None:
        query = query.where(LedgerEntry.session_date >= from_date)
    if to_date is not None:
        query = query.where(LedgerEntry.session_date <= to_date)
    if after is not None:
        query = query.where(LedgerEntry.id > after)
    query = query.order_by(LedgerEntry.id).limit(limit + 1)
    return list(await session.scalars(query))
