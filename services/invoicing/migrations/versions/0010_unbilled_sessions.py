"""Sessions closed in scheduling that invoicing cannot bill yet (the facilitator has no billing
profile, or the profile leaves nobody to bill), each with its rule and reason, and the closing
as received, so that it is billed later from what was stored (``POST .../bill``) instead of
leaving no trace until scheduling replays it.
"""

from alembic import op

revision = "0010"
down_revision = "0009"

STATEMENTS = [
    """
    CREATE TABLE unbilled_sessions (
        id uuid NOT NULL,
        org_id uuid NOT NULL,
        session_id uuid NOT NULL,
        facilitator_id uuid NOT NULL,
        event_id uuid NOT NULL,
        closing jsonb NOT NULL,
        rule text NOT NULL,
        reason text NOT NULL,
        held_at timestamptz NOT NULL DEFAULT now(),
        tried_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT unbilled_sessions_pkey PRIMARY KEY (org_id, id),
        CONSTRAINT unbilled_sessions_session_key UNIQUE (org_id, session_id)
    )
    """,
    "CREATE INDEX unbilled_sessions_facilitator_idx"
    " ON unbilled_sessions (org_id, facilitator_id, id)",
    "ALTER TABLE unbilled_sessions ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON unbilled_sessions"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
