"""Debtors, cost sheets, invoices and credit notes, gapless series; issued invoices never change."""

from alembic import op

revision = "0002"
down_revision = "0001"

STATEMENTS = [
    """
    CREATE TABLE debtors (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        external_id text NOT NULL,
        name text NOT NULL,
        street text NOT NULL,
        postal_code text NOT NULL,
        city text NOT NULL,
        country_code text NOT NULL,
        kvk_number text,
        vat_id text,
        peppol_scheme text,
        peppol_id text,
        buyer_reference text,
        email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT debtors_external_id_key UNIQUE (org_id, external_id),
        CONSTRAINT debtors_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT debtors_peppol_check CHECK ((peppol_scheme IS NULL) = (peppol_id IS NULL))
    )
    """,
    "ALTER TABLE debtors ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON debtors"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE cost_sheets (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        session_id uuid NOT NULL,
        facilitator_id uuid NOT NULL,
        description text NOT NULL,
        session_starts_at timestamptz NOT NULL,
        session_ends_at timestamptz NOT NULL,
        supply_date date NOT NULL,
        preparation_minutes integer NOT NULL,
        travel_minutes integer NOT NULL,
        travel_km integer NOT NULL,
        hourly_rate_cents bigint NOT NULL,
        rate_per_km_cents bigint NOT NULL,
        location_cents bigint NOT NULL,
        other_cents bigint NOT NULL,
        other_description text,
        sharing text NOT NULL,
        participants jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cost_sheets_session_key UNIQUE (org_id, session_id),
        CONSTRAINT cost_sheets_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT cost_sheets_profile_fkey FOREIGN KEY (org_id, facilitator_id)
            REFERENCES billing_profiles (org_id, facilitator_id),
        CONSTRAINT cost_sheets_session_length_check
            CHECK (session_ends_at > session_starts_at),
        CONSTRAINT cost_sheets_amounts_check CHECK (
            preparation_minutes >= 0 AND travel_minutes >= 0 AND travel_km >= 0
            AND hourly_rate_cents >= 0 AND rate_per_km_cents >= 0
            AND location_cents >= 0 AND other_cents >= 0),
        CONSTRAINT cost_sheets_sharing_check CHECK (sharing IN ('members', 'attendees'))
    )
    """,
    "ALTER TABLE cost_sheets ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON cost_sheets"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE invoice_series (
        org_id uuid NOT NULL,
        prefix text NOT NULL,
        year integer NOT NULL,
        last_number integer NOT NULL,
        CONSTRAINT invoice_series_pkey PRIMARY KEY (org_id, prefix, year),
        CONSTRAINT invoice_series_last_number_check CHECK (last_number >= 1)
    )
    """,
    "ALTER TABLE invoice_series ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON invoice_series"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE invoices (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        kind text NOT NULL,
        status text NOT NULL,
        cost_sheet_id uuid NOT NULL,
        position integer NOT NULL,
        facilitator_id uuid NOT NULL,
        person_id uuid NOT NULL,
        participant_name text NOT NULL,
        description text NOT NULL,
        supply_date date NOT NULL,
        seller jsonb NOT NULL,
        buyer jsonb NOT NULL,
        lines jsonb NOT NULL,
        btw_rate_percent integer NOT NULL,
        subtotal_cents bigint NOT NULL,
        btw_cents bigint NOT NULL,
        total_cents bigint NOT NULL,
        number text,
        issue_date date,
        due_date date,
        paid_on date,
        credits_id uuid,
        credits_number text,
        credits_issue_date date,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT invoices_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT invoices_number_key UNIQUE (org_id, number),
        CONSTRAINT invoices_cost_sheet_fkey FOREIGN KEY (org_id, cost_sheet_id)
            REFERENCES cost_sheets (org_id, id),
        CONSTRAINT invoices_credits_fkey FOREIGN KEY (org_id, credits_id)
            REFERENCES invoices (org_id, id),
        CONSTRAINT invoices_one_credit_note_key UNIQUE (org_id, credits_id),
        CONSTRAINT invoices_kind_check CHECK (kind IN ('invoice', 'credit_note')),
        CONSTRAINT invoices_status_check
            CHECK (status IN ('draft', 'issued', 'paid', 'credited')),
        CONSTRAINT invoices_numbered_check
            CHECK ((status = 'draft') = (number IS NULL)
                   AND (number IS NULL) = (issue_date IS NULL)
                   AND (number IS NULL) = (due_date IS NULL)),
        CONSTRAINT invoices_paid_check CHECK ((status = 'paid') = (paid_on IS NOT NULL)
                                              OR (status = 'credited' AND paid_on IS NOT NULL)),
        CONSTRAINT invoices_credit_note_check CHECK (
            (kind = 'credit_note') = (credits_id IS NOT NULL)
            AND (credits_id IS NULL) = (credits_number IS NULL)
            AND (credits_id IS NULL) = (credits_issue_date IS NULL)),
        CONSTRAINT invoices_total_check CHECK (total_cents = subtotal_cents + btw_cents)
    )
    """,
    "CREATE INDEX invoices_cost_sheet_idx ON invoices (org_id, cost_sheet_id, position)",
    "CREATE INDEX invoices_person_idx ON invoices (org_id, person_id, id)",
    "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON invoices"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE FUNCTION invoices_keep_issued() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF OLD.status <> 'draft' THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'integrity_constraint_violation',
                    MESSAGE = 'invoice ' || OLD.number || ' is issued and is never deleted';
            END IF;
            RETURN OLD;
        END IF;
        IF OLD.status = 'draft' THEN
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
    """
    CREATE TRIGGER invoices_keep_issued BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_keep_issued()
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
