"""Events: billing profile defaults for sessions billed from events, the inbox and outbox.

A closed session arrives as an event (scheduling knows nothing of money), so the
billing profile says what the event does not: preparation and travel per session,
location costs, who shares the costs, and whether the invoices are issued at once.
``cancelled_sessions`` remembers cancellations, so a closing replayed after its
cancellation bills nothing.
"""

from alembic import op

revision = "0003"
down_revision = "0002"

STATEMENTS = [
    # The event tables as the kit's relay, feed and inbox used them when this revision was written.
    """
    CREATE TABLE outbox (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id uuid NOT NULL UNIQUE,
        org_id uuid NOT NULL,
        type text NOT NULL,
        aggregate_id uuid NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text,
        occurred_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX outbox_feed_idx ON outbox (org_id, txid, position)",
    """
    CREATE TABLE subscribers (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        org_id uuid,
        url text NOT NULL,
        secret text NOT NULL,
        types text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        subscriber_id uuid NOT NULL REFERENCES subscribers (id),
        event_position bigint NOT NULL REFERENCES outbox (position),
        aggregate_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending'
            CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        last_error text,
        UNIQUE (subscriber_id, event_position)
    )
    """,
    "CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'",
    "CREATE INDEX deliveries_order_idx"
    " ON deliveries (subscriber_id, aggregate_id, event_position) WHERE status <> 'delivered'",
    """
    CREATE TABLE delivery_attempts (
        delivery_id uuid NOT NULL REFERENCES deliveries (id),
        attempted_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer NOT NULL,
        status_code integer,
        error text
    )
    """,
    "CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempted_at)",
    """
    CREATE TABLE inbox (
        source text NOT NULL,
        event_id uuid NOT NULL,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, event_id)
    )
    """,
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
    "ALTER TABLE cancelled_sessions ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON cancelled_sessions"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
