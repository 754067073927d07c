"""Events: billing profile defaults for sessions billed from events, the inbox and outbox.

A closed session arrives as an event (scheduling knows nothing of money), so the
billing profile says what the event does not: preparation and travel per session,
location costs, who shares the costs, and whether the invoices are issued at once.
``cancelled_sessions`` remembers cancellations, so a closing replayed after its
cancellation bills nothing.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from services.kit import outbox
from services.kit.migrations import tenant_isolation

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATEMENTS = [
    *outbox.statements(),
    """
    ALTER TABLE billing_profiles
        ADD COLUMN preparation_minutes integer NOT NULL DEFAULT 30,
        ADD COLUMN travel_minutes integer NOT NULL DEFAULT 0,
        ADD COLUMN travel_km integer NOT NULL DEFAULT 0,
        ADD COLUMN location_cost_cents bigint NOT NULL DEFAULT 0,
        ADD COLUMN sharing text NOT NULL DEFAULT 'attendees',
        ADD COLUMN auto_issue boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT billing_profiles_preparation_minutes_check
            CHECK (preparation_minutes BETWEEN 0 AND 1440),
        ADD CONSTRAINT billing_profiles_travel_minutes_check
            CHECK (travel_minutes BETWEEN 0 AND 1440),
        ADD CONSTRAINT billing_profiles_travel_km_check CHECK (travel_km BETWEEN 0 AND 10000),
        ADD CONSTRAINT billing_profiles_location_cost_cents_check
            CHECK (location_cost_cents BETWEEN 0 AND 10000000),
        ADD CONSTRAINT billing_profiles_sharing_check CHECK (sharing IN ('members', 'attendees'))
    """,
    """
    CREATE TABLE cancelled_sessions (
        org_id uuid NOT NULL,
        session_id uuid NOT NULL,
        event_id uuid NOT NULL,
        reason text NOT NULL,
        cancelled_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cancelled_sessions_pkey PRIMARY KEY (org_id, session_id)
    )
    """,
    *tenant_isolation("cancelled_sessions"),
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
