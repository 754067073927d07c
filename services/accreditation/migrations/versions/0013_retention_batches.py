"""Retention runs recorded batch by batch, announced after.

A run of the retention job recorded what it removed, and announced it, only once a tenant's
rules were done: a job killed between batches left the removals it had committed unrecorded
and unannounced. Now each batch records its removal in the transaction that removes
(``retention_runs``: ``run_id`` groups a run's batches, ``value`` is the setting applied,
``named`` the removed rows' names), and a row is ``announced_at`` once ``retention.applied``
states it; a later run announces what a killed one left unannounced.

- ``retention_unannounced()``: the tenants with removals not yet announced, for the job,
  whose connection names no tenant (``SECURITY DEFINER``, as ``retention_tenants``).
- Rows written before this revision were announced when written.
"""

from alembic import op

revision = "0013"
down_revision = "0012"

STATEMENTS = [
    """
    ALTER TABLE retention_runs
        ADD COLUMN run_id uuid,
        ADD COLUMN value integer NOT NULL DEFAULT 0,
        ADD COLUMN named text[] NOT NULL DEFAULT '{}',
        ADD COLUMN announced_at timestamptz
    """,
    "UPDATE retention_runs SET run_id = id, announced_at = ran_at",
    "ALTER TABLE retention_runs ALTER COLUMN run_id SET NOT NULL",
    "CREATE INDEX retention_runs_unannounced_idx ON retention_runs (org_id, id)"
    " WHERE announced_at IS NULL",
    """
    CREATE FUNCTION retention_unannounced() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$ SELECT DISTINCT org_id FROM retention_runs WHERE announced_at IS NULL $$
    """,
    """
    DO $$ BEGIN
        EXECUTE format(
            'ALTER FUNCTION retention_unannounced() SET search_path = %I, pg_temp',
            current_schema()
        );
        EXECUTE format(
            'GRANT EXECUTE ON FUNCTION retention_unannounced() TO %I',
            'kring_' || current_schema()
        );
    END $$
    """,
    "REVOKE EXECUTE ON FUNCTION retention_unannounced() FROM PUBLIC",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
