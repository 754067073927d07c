"""Debtors linked to client organisations and people; drafts held for a debtor.

A client organisation's debtor (``client_organisation_debtors``) pays for its employees;
a person's billing choice (``person_billing``) says whether their employer pays or they
pay themselves (then with a debtor of their own). A debtor made through a link has no
external id; the link is written first and its debtor after it in the same transaction,
so the links' foreign keys are checked at commit. A draft whose debtor is missing or
incomplete is held in ``needs_debtor`` with its reasons (``needs``) and the participant's
client organisation, so a link written later can complete it; a held draft changes and is
deleted like a draft.
"""

from alembic import op

revision = "0005"
down_revision = "0004"

STATEMENTS = [
    "ALTER TABLE debtors ALTER COLUMN external_id DROP NOT NULL",
    """
    CREATE TABLE client_organisation_debtors (
        org_id uuid NOT NULL,
        client_organisation_id uuid NOT NULL,
        debtor_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT client_organisation_debtors_pkey PRIMARY KEY (org_id, client_organisation_id),
        CONSTRAINT client_organisation_debtors_debtor_key UNIQUE (org_id, debtor_id),
        CONSTRAINT client_organisation_debtors_debtor_fkey FOREIGN KEY (org_id, debtor_id)
            REFERENCES debtors (org_id, id) DEFERRABLE INITIALLY DEFERRED
    )
    """,
    "ALTER TABLE client_organisation_debtors ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON client_organisation_debtors"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE person_billing (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        pays text NOT NULL,
        debtor_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT person_billing_pkey PRIMARY KEY (org_id, person_id),
        CONSTRAINT person_billing_pays_check CHECK (pays IN ('employer', 'self')),
        CONSTRAINT person_billing_debtor_check CHECK ((pays = 'self') = (debtor_id IS NOT NULL)),
        CONSTRAINT person_billing_debtor_key UNIQUE (org_id, debtor_id),
        CONSTRAINT person_billing_debtor_fkey FOREIGN KEY (org_id, debtor_id)
            REFERENCES debtors (org_id, id) DEFERRABLE INITIALLY DEFERRED
    )
    """,
    "ALTER TABLE person_billing ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON person_billing"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    ALTER TABLE invoices
        ALTER COLUMN buyer DROP NOT NULL,
        ADD COLUMN needs jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN client_organisation_id uuid,
        DROP CONSTRAINT invoices_status_check,
        ADD CONSTRAINT invoices_status_check
            CHECK (status IN ('draft', 'needs_debtor', 'issued', 'paid', 'credited')),
        DROP CONSTRAINT invoices_numbered_check,
        ADD CONSTRAINT invoices_numbered_check
            CHECK ((status IN ('draft', 'needs_debtor')) = (number IS NULL)
                   AND (number IS NULL) = (issue_date IS NULL)
                   AND (number IS NULL) = (due_date IS NULL)),
        ADD CONSTRAINT invoices_needs_check
            CHECK (jsonb_typeof(needs) = 'array'
                   AND (status = 'needs_debtor') = (jsonb_array_length(needs) > 0)),
        ADD CONSTRAINT invoices_buyer_check CHECK (buyer IS NOT NULL OR status = 'needs_debtor')
    """,
    "CREATE INDEX invoices_held_person_idx ON invoices (org_id, person_id)"
    " WHERE status = 'needs_debtor'",
    "CREATE INDEX invoices_held_organisation_idx ON invoices (org_id, client_organisation_id)"
    " WHERE status = 'needs_debtor'",
    """
    CREATE OR REPLACE FUNCTION invoices_keep_issued() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status NOT IN ('draft', 'needs_debtor') THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'integrity_constraint_violation',
                    MESSAGE = 'invoice ' || OLD.number || ' is issued and is never deleted';
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
