"""A person's erasure, and invoices removed when their retention ends.

- ``debtors.person_id``: the person a debtor is, when it was written as their own
  (``PUT /v1/debtors/for-person/{id}``, paying themselves); it stays when they go back to
  their employer, so their export and erasure still find it. Filled in from the choices.
- ``subject_erasures``: one row per erased person and tenant: when their data outside the
  invoices kept by law was erased, by whom (subject id), and when the retention job removed
  the last invoice kept (``completed_at``).
- ``invoices_keep_issued`` refuses deleting an issued invoice or credit note as before,
  except by the retention job, which states the day it runs for in the transaction setting
  ``kring.retention_as_of``, and then only once the invoice is past the legal minimum: seven
  years after the end of the year of its issue (AWR art. 52(4)). Numbers are untouched: the
  counters (``supplier_series``) and prefix claims stay, so no number is ever issued again.
"""

from alembic import op

revision = "0012"
down_revision = "0011"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"

STATEMENTS = [
    "ALTER TABLE debtors ADD COLUMN person_id uuid",
    "UPDATE debtors d SET person_id = b.person_id FROM person_billing b"
    " WHERE b.org_id = d.org_id AND b.debtor_id = d.id",
    "CREATE INDEX debtors_person_idx ON debtors (org_id, person_id, id)"
    " WHERE person_id IS NOT NULL",
    """
    CREATE TABLE subject_erasures (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now(),
        erased_by text NOT NULL,
        completed_at timestamptz,
        CONSTRAINT subject_erasures_pkey PRIMARY KEY (org_id, person_id),
        CONSTRAINT subject_erasures_completed_check
            CHECK (completed_at IS NULL OR completed_at >= erased_at)
    )
    """,
    "ALTER TABLE subject_erasures ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON subject_erasures"
    f" USING (org_id = {TENANT}) WITH CHECK (org_id = {TENANT})",
    "CREATE INDEX invoices_retention_idx ON invoices (org_id, issue_date)"
    " WHERE issue_date IS NOT NULL",
    """
    CREATE OR REPLACE FUNCTION invoices_keep_issued() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        as_of date;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status IN ('draft', 'needs_debtor') THEN
                RETURN OLD;
            END IF;
            as_of := nullif(current_setting('kring.retention_as_of', true), '')::date;
            IF as_of IS NULL
               OR OLD.issue_date >= make_date(extract(year FROM as_of)::integer - 7, 1, 1) THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'integrity_constraint_violation',
                    MESSAGE = 'invoice ' || OLD.number || ' is issued and is never deleted '
                              || 'before its retention ends, seven years after the end of '
                              || 'the year of its issue';
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.status IN ('draft', 'needs_debtor') THEN
            RETURN NEW;
        END IF;
        IF (to_jsonb(NEW) - 'status' - 'paid_on') IS DISTINCT FROM
           (to_jsonb(OLD) - 'status' - 'paid_on')
           OR (OLD.paid_on IS NOT NULL AND NEW.paid_on IS DISTINCT FROM OLD.paid_on)
           OR NOT ((OLD.status = 'issued' AND NEW.status IN ('issued', 'paid', 'credited'))
                   OR (OLD.status = 'paid' AND NEW.status IN ('paid', 'credited'))
                   OR (OLD.status = 'credited' AND NEW.status = 'credited')) THEN
            RAISE EXCEPTION USING
                ERRCODE = 'integrity_constraint_violation',
                MESSAGE = 'invoice ' || OLD.number || ' is issued and never changes; '
                          || 'only its payment and crediting are recorded';
        END IF;
        RETURN NEW;
    END
    $$
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
