"""Events: the inbox that makes scheduling's events count once, and an outbox of our own.

The inbox records every event id from scheduling in the transaction that applies it
(``kit.outbox.first_time``), so a redelivered ``session.closed`` records nothing twice.
The outbox, deliveries and subscribers tables serve accreditation's own events.
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
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
