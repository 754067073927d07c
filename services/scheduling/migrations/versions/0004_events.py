"""Events: the outbox and inbox tables; a closed session may be cancelled (held in error)."""

from alembic import op

revision = "0004"
down_revision = "0003"

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
    # A session closed in error is cancelled with a reason; it keeps its closed_at.
    "ALTER TABLE sessions DROP CONSTRAINT sessions_closed_at",
    "ALTER TABLE sessions ADD CONSTRAINT sessions_closed_at CHECK ("
    " (status <> 'closed' OR closed_at IS NOT NULL)"
    " AND (status <> 'planned' OR closed_at IS NULL))",
    """
    CREATE OR REPLACE FUNCTION sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'planned' AND TG_OP = 'DELETE' THEN
            RETURN OLD;
        ELSIF OLD.status = 'planned' THEN
            RETURN NEW;
        END IF;
        -- A closed session takes only the facilitator's later signature ...
        IF TG_OP = 'UPDATE' AND OLD.status = 'closed'
           AND OLD.facilitator_signed_at IS NULL AND NEW.facilitator_signed_at IS NOT NULL
           AND to_jsonb(NEW) - 'facilitator_signed_at' - 'updated_at'
               = to_jsonb(OLD) - 'facilitator_signed_at' - 'updated_at' THEN
            RETURN NEW;
        END IF;
        -- ... or its cancellation with a reason, nothing else.
        IF TG_OP = 'UPDATE' AND OLD.status = 'closed' AND NEW.status = 'cancelled'
           AND to_jsonb(NEW) - 'status' - 'cancel_reason' - 'sequence' - 'updated_at'
               = to_jsonb(OLD) - 'status' - 'cancel_reason' - 'sequence' - 'updated_at' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'session % is %: it no longer changes', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
