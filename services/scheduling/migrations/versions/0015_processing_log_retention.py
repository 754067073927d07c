"""The processing log kept as long as its retention, then removed by the retention job.

The log was append-only without end (revision 0011). Now ``processing_log_refuse_change``
still refuses every update and truncate, and every delete, except by the retention job: it
states the moment it judges by in the transaction setting ``kring.retention_as_of``, and an
entry goes only once it is more than a year older than that moment (the retention's least
setting), judged in UTC. The service role may delete, so that the job can.
"""

from alembic import op

revision = "0015"
down_revision = "0014"

STATEMENTS = [
    """
    CREATE OR REPLACE FUNCTION processing_log_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        as_of timestamptz;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            as_of := nullif(current_setting('kring.retention_as_of', true), '')::timestamptz;
            IF as_of IS NOT NULL
               AND OLD.at < ((as_of AT TIME ZONE 'UTC') - interval '1 year') AT TIME ZONE 'UTC'
            THEN
                RETURN OLD;
            END IF;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'P0001',
                  HINT = 'The processing log is never rewritten; the retention job removes '
                         || 'entries past their retention, each at least a year old.';
    END
    $$
    """,
    """
    DO $$ BEGIN
        EXECUTE format('GRANT DELETE ON processing_log TO %I', 'kring_' || current_schema());
    END $$
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
