"""Client organisations and people, isolated per tenant."""

from alembic import op

revision = "0001"
down_revision = None

STATEMENTS = [
    """
    CREATE TABLE client_organisations (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        external_id text NOT NULL,
        name text NOT NULL,
        kvk_number text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT client_organisations_external_id_key UNIQUE (org_id, external_id),
        CONSTRAINT client_organisations_org_id_id_key UNIQUE (org_id, id)
    )
    """,
    "ALTER TABLE client_organisations ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON client_organisations"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE people (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        external_id text NOT NULL,
        given_name text NOT NULL,
        family_name text NOT NULL,
        email text,
        employer_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT people_external_id_key UNIQUE (org_id, external_id),
        CONSTRAINT people_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT people_employer_fkey FOREIGN KEY (org_id, employer_id)
            REFERENCES client_organisations (org_id, id)
    )
    """,
    "CREATE INDEX people_employer_idx ON people (org_id, employer_id, id)",
    "ALTER TABLE people ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON people"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
