"""Events: the outbox and inbox tables; a closed session may be cancelled (held in error).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from services.kit import outbox

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATEMENTS = [
    *outbox.statements(),
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
