"""Client organisations and people, isolated per tenant.

Revision ID: 0001
Revises:
"""

from alembic import op

from services.kit.migrations import tenant_isolation

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

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
    *tenant_isolation("client_organisations"),
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
    *tenant_isolation("people"),
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
