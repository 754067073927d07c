"""Outcomes: every judgement of a closed session stored and readable, and the snapshot kept to
judge it again.

One outcome per (session, person, register): `recorded` (with its entry), `refused` (every
rule that refused it) or `pending` (waiting for data that can arrive later, such as the
registration date). A re-judgement updates the outcome in place; the ledger itself stays
append-only. The session's snapshot is kept so a pending outcome can be judged again when
the missing data arrives. `entry_id` names a ledger entry without a foreign key: the chain
and its checkpoints prove the ledger, and an outcome must not stop a check of a rewritten one.
"""

from alembic import op

revision = "0005"
down_revision = "0004"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"

STATEMENTS = [
    """
    CREATE TABLE session_snapshots (
        org_id uuid NOT NULL,
        session_id uuid NOT NULL,
        snapshot jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, session_id)
    )
    """,
    "ALTER TABLE session_snapshots ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON session_snapshots USING (org_id = {TENANT})"
    f" WITH CHECK (org_id = {TENANT})",
    """
    CREATE TABLE outcomes (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        session_id uuid NOT NULL,
        session_date date NOT NULL,
        person_id uuid NOT NULL,
        person_name text NOT NULL,
        register_code text COLLATE "C" NOT NULL,
        registration_number text,
        status text NOT NULL,
        entry_id uuid,
        minutes integer,
        points_centi integer,
        reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
        rule_version integer,
        judged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id),
        CONSTRAINT outcomes_once UNIQUE (org_id, session_id, person_id, register_code),
        CONSTRAINT outcomes_status CHECK (status IN ('recorded', 'refused', 'pending')),
        CONSTRAINT outcomes_recorded_entry CHECK ((status = 'recorded') = (entry_id IS NOT NULL))
    )
    """,
    "CREATE INDEX outcomes_session_idx ON outcomes (org_id, session_id, id)",
    "CREATE INDEX outcomes_person_idx ON outcomes (org_id, person_id, id)",
    "CREATE INDEX outcomes_register_idx ON outcomes (org_id, register_code, id)",
    "ALTER TABLE outcomes ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON outcomes USING (org_id = {TENANT})"
    f" WITH CHECK (org_id = {TENANT})",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
