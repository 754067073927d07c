"""Billing profiles of facilitators, isolated per tenant."""

from alembic import op

revision = "0001"
down_revision = None

STATEMENTS = [
    """
    CREATE TABLE billing_profiles (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        facilitator_id uuid NOT NULL,
        legal_name text NOT NULL,
        street text NOT NULL,
        postal_code text NOT NULL,
        city text NOT NULL,
        country_code text NOT NULL DEFAULT 'NL',
        kvk_number text NOT NULL,
        btw_id text NOT NULL,
        iban text NOT NULL,
        bic text,
        hourly_rate_cents integer NOT NULL DEFAULT 12500,
        rate_per_km_cents integer NOT NULL DEFAULT 23,
        btw_mode text NOT NULL DEFAULT 'standard',
        exemption_text text,
        invoice_prefix text NOT NULL,
        payment_term_days integer NOT NULL DEFAULT 30,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_profiles_country_code_check CHECK (country_code ~ '^[A-Z]{2}$'),
        CONSTRAINT billing_profiles_kvk_number_check CHECK (kvk_number ~ '^[0-9]{8}$'),
        CONSTRAINT billing_profiles_btw_id_check CHECK (btw_id ~ '^NL[0-9]{9}B[0-9]{2}$'),
        CONSTRAINT billing_profiles_iban_check CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
        CONSTRAINT billing_profiles_bic_check
            CHECK (bic ~ '^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
        CONSTRAINT billing_profiles_hourly_rate_cents_check CHECK (hourly_rate_cents >= 0),
        CONSTRAINT billing_profiles_rate_per_km_cents_check CHECK (rate_per_km_cents >= 0),
        CONSTRAINT billing_profiles_btw_mode_check CHECK (btw_mode IN ('standard', 'exempt')),
        CONSTRAINT billing_profiles_exemption_text_check
            CHECK ((btw_mode = 'exempt') = (exemption_text IS NOT NULL)),
        CONSTRAINT billing_profiles_invoice_prefix_check
            CHECK (invoice_prefix ~ '^[A-Za-z0-9-]{1,12}$'),
        CONSTRAINT billing_profiles_payment_term_days_check
            CHECK (payment_term_days BETWEEN 0 AND 120),
        CONSTRAINT billing_profiles_facilitator_key UNIQUE (org_id, facilitator_id),
        CONSTRAINT billing_profiles_org_id_id_key UNIQUE (org_id, id)
    )
    """,
    "ALTER TABLE billing_profiles ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON billing_profiles"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
