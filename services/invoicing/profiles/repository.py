from __future__ import annotations

import uuid

import asyncpg

from services.kit.db import upserted_values
from services.kit.errors import FieldError, NotFound, RuleViolation
from services.kit.ids import uuid7
from services.kit.pagination import Keyset
from services.kit.sql import Params, keyset

from .schemas import BillingProfile, BillingProfileIn

_COLUMNS = """id, facilitator_id, legal_name, street, postal_code, city, country_code, kvk_number,
    btw_id, iban, bic, email, hourly_rate_cents, rate_per_km_cents, btw_mode, exemption_text,
    invoice_prefix, payment_term_days, preparation_minutes, travel_minutes, travel_km,
    location_cost_cents, sharing, auto_issue, created_at, updated_at"""

_PREFIX = "billing_profiles_"
_CHECK_SUFFIX = "_check"


def _profile(row: asyncpg.Record) -> BillingProfile:
    return BillingProfile(**dict(row))


def _check_violation(exc: asyncpg.CheckViolationError) -> RuleViolation:
    """A check constraint the database refused, named after the field it guards."""
    name = exc.constraint_name or ""
    column = name.removeprefix(_PREFIX).removesuffix(_CHECK_SUFFIX)
    return RuleViolation(
        f"The billing profile breaks the constraint {name or 'of the database'}.",
        errors=[FieldError(field=f"body.{column}", rule="constraint", message=exc.message)],
    )


async def upsert(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID, data: BillingProfileIn
) -> tuple[BillingProfile, bool]:
    """Create or update the facilitator's profile; ``updated_at`` moves only on a change."""
    try:
        row = await conn.fetchrow(
            f"""
            INSERT INTO billing_profiles (
                org_id, id, facilitator_id, legal_name, street, postal_code, city, country_code,
                kvk_number, btw_id, iban, bic, hourly_rate_cents, rate_per_km_cents, btw_mode,
                exemption_text, invoice_prefix, payment_term_days, preparation_minutes,
                travel_minutes, travel_km, location_cost_cents, sharing, auto_issue, email
            )
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                    $19, $20, $21, $22, $23, $24, $25)
            ON CONFLICT (org_id, facilitator_id) DO UPDATE
            SET legal_name = EXCLUDED.legal_name,
                street = EXCLUDED.street,
                postal_code = EXCLUDED.postal_code,
                city = EXCLUDED.city,
                country_code = EXCLUDED.country_code,
                kvk_number = EXCLUDED.kvk_number,
                btw_id = EXCLUDED.btw_id,
                iban = EXCLUDED.iban,
                bic = EXCLUDED.bic,
                hourly_rate_cents = EXCLUDED.hourly_rate_cents,
                rate_per_km_cents = EXCLUDED.rate_per_km_cents,
                btw_mode = EXCLUDED.btw_mode,
                exemption_text = EXCLUDED.exemption_text,
                invoice_prefix = EXCLUDED.invoice_prefix,
                payment_term_days = EXCLUDED.payment_term_days,
                preparation_minutes = EXCLUDED.preparation_minutes,
                travel_minutes = EXCLUDED.travel_minutes,
                travel_km = EXCLUDED.travel_km,
                location_cost_cents = EXCLUDED.location_cost_cents,
                sharing = EXCLUDED.sharing,
                auto_issue = EXCLUDED.auto_issue,
                email = EXCLUDED.email,
                updated_at = CASE
                    WHEN (billing_profiles.legal_name, billing_profiles.street,
                          billing_profiles.postal_code, billing_profiles.city,
                          billing_profiles.country_code, billing_profiles.kvk_number,
                          billing_profiles.btw_id, billing_profiles.iban, billing_profiles.bic,
                          billing_profiles.hourly_rate_cents, billing_profiles.rate_per_km_cents,
                          billing_profiles.btw_mode, billing_profiles.exemption_text,
                          billing_profiles.invoice_prefix, billing_profiles.payment_term_days,
                          billing_profiles.preparation_minutes, billing_profiles.travel_minutes,
                          billing_profiles.travel_km, billing_profiles.location_cost_cents,
                          billing_profiles.sharing, billing_profiles.auto_issue,
                          billing_profiles.email)
                         IS DISTINCT FROM
                         (EXCLUDED.legal_name, EXCLUDED.street, EXCLUDED.postal_code,
                          EXCLUDED.city, EXCLUDED.country_code, EXCLUDED.kvk_number,
                          EXCLUDED.btw_id, EXCLUDED.iban, EXCLUDED.bic,
                          EXCLUDED.hourly_rate_cents, EXCLUDED.rate_per_km_cents,
                          EXCLUDED.btw_mode, EXCLUDED.exemption_text, EXCLUDED.invoice_prefix,
                          EXCLUDED.payment_term_days, EXCLUDED.preparation_minutes,
                          EXCLUDED.travel_minutes, EXCLUDED.travel_km,
                          EXCLUDED.location_cost_cents, EXCLUDED.sharing, EXCLUDED.auto_issue,
                          EXCLUDED.email)
                    THEN now() ELSE billing_profiles.updated_at END
            RETURNING {_COLUMNS}, (xmax = 0) AS inserted
            """,
            org_id,
            uuid7(),
            facilitator_id,
            data.legal_name,
            data.street,
            data.postal_code,
            data.city,
            data.country_code,
            data.kvk_number,
            data.btw_id,
            data.iban,
            data.bic,
            data.hourly_rate_cents,
            data.rate_per_km_cents,
            data.btw_mode,
            data.exemption_text,
            data.invoice_prefix,
            data.payment_term_days,
            data.preparation_minutes,
            data.travel_minutes,
            data.travel_km,
            data.location_cost_cents,
            data.sharing,
            data.auto_issue,
            data.email,
        )
    except asyncpg.CheckViolationError as exc:
        raise _check_violation(exc) from exc
    assert row is not None
    values, inserted = upserted_values(row)
    return BillingProfile(**values), inserted


async def get(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID
) -> BillingProfile:
    profile = await find(conn, org_id, facilitator_id)
    if profile is None:
        raise NotFound(f"No billing profile of facilitator {facilitator_id}.")
    return profile


async def page(conn: asyncpg.Connection, org_id: uuid.UUID, asked: Keyset) -> list[BillingProfile]:
    param = Params(org_id)
    query = keyset(f"SELECT {_COLUMNS} FROM billing_profiles", ["org_id = $1"], param, asked)
    return [_profile(row) for row in await conn.fetch(query, *param.values)]


async def find(
    conn: asyncpg.Connection, org_id: uuid.UUID, facilitator_id: uuid.UUID
) -> BillingProfile | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM billing_profiles WHERE org_id = $1 AND facilitator_id = $2",
        org_id,
        facilitator_id,
    )
    return None if row is None else _profile(row)


async def claim_prefix(
    conn: asyncpg.Connection, org_id: uuid.UUID, prefix: str, kvk_number: str, *, numbering: bool
) -> str:
    """The supplier (KvK number) that ``prefix`` belongs to in the tenant; claimed for
    ``kvk_number`` when nobody holds it. The claim's row stays locked until the transaction
    ends. ``numbering``: a number is issued under the prefix now, if it is ``kvk_number``'s.
    """
    holder = await conn.fetchval(
        """
        INSERT INTO invoice_prefixes (org_id, prefix, kvk_number, numbered)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (org_id, prefix) DO UPDATE
        SET numbered = invoice_prefixes.numbered
            OR (EXCLUDED.numbered AND invoice_prefixes.kvk_number = EXCLUDED.kvk_number)
        RETURNING kvk_number
        """,
        org_id,
        prefix,
        kvk_number,
        numbering,
    )
    assert isinstance(holder, str)
    return holder


async def take_over_prefix(
    conn: asyncpg.Connection,
    org_id: uuid.UUID,
    prefix: str,
    kvk_number: str,
    *,
    facilitator_id: uuid.UUID,
) -> bool:
    """Hand a claimed prefix to ``kvk_number``, if no number was ever issued under it in the
    tenant and no other facilitator's profile holds it for another supplier; whether it was."""
    taken = await conn.fetchval(
        """
        UPDATE invoice_prefixes SET kvk_number = $3, claimed_at = now()
        WHERE org_id = $1 AND prefix = $2 AND NOT numbered
          AND NOT EXISTS (
              SELECT FROM billing_profiles
              WHERE org_id = $1 AND invoice_prefix = $2 AND kvk_number <> $3
                AND facilitator_id <> $4
          )
        RETURNING true
        """,
        org_id,
        prefix,
        kvk_number,
        facilitator_id,
    )
    return taken is not None


async def own_prefix(conn: asyncpg.Connection, org_id: uuid.UUID, kvk_number: str) -> str | None:
    """The prefix the supplier claimed last in the tenant, its row locked and marked as
    numbering now; ``None`` when the supplier holds no prefix there."""
    prefix = await conn.fetchval(
        """
        UPDATE invoice_prefixes SET numbered = true
        WHERE org_id = $1 AND kvk_number = $2 AND prefix = (
            SELECT prefix FROM invoice_prefixes
            WHERE org_id = $1 AND kvk_number = $2
            ORDER BY claimed_at DESC, prefix DESC
            LIMIT 1
        )
        RETURNING prefix
        """,
        org_id,
        kvk_number,
    )
    assert prefix is None or isinstance(prefix, str)
    return prefix
