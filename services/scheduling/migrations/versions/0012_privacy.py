"""A person's erasure: scheduling's own part, and the erasure requests it runs across the three
services (ADR 0094, ADR 0095).

- ``people.erased_at``: when the person was pseudonymised (name, e-mail, external id, manager,
  career start and registrations gone; the row and its attendance kept).
- ``subject_erasures``: scheduling's part of a person's erasure, once per person.
- ``erasure_requests``: a person's one erasure request and what came of it: ``completed``
  (each service's part in ``parts``), ``refused`` (``refusal``: which service refused, by which
  rule, naming what) or ``failed`` (a service could not be reached). At most one completed
  request per person; a refused or failed one may be asked again.
"""

from alembic import op

revision = "0012"
down_revision = "0011"

_TENANT = "(org_id = nullif(current_setting('app.org_id', true), '')::uuid)"

STATEMENTS = [
    "ALTER TABLE people ADD COLUMN erased_at timestamptz",
    """
    CREATE TABLE subject_erasures (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now(),
        erased_by text NOT NULL,
        PRIMARY KEY (org_id, person_id),
        FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
    )
    """,
    "ALTER TABLE subject_erasures ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON subject_erasures USING {_TENANT} WITH CHECK {_TENANT}",
    """
    CREATE TABLE erasure_requests (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        person_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('completed', 'refused', 'failed')),
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        refusal jsonb,
        parts jsonb NOT NULL DEFAULT '[]',
        CONSTRAINT erasure_requests_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT erasure_requests_outcome CHECK (
            (status = 'completed') = (completed_at IS NOT NULL)
            AND (status = 'completed') = (refusal IS NULL)
        ),
        FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
    )
    """,
    "CREATE INDEX erasure_requests_person_idx ON erasure_requests (org_id, person_id, id)",
    "CREATE UNIQUE INDEX erasure_requests_completed_idx ON erasure_requests (org_id, person_id)"
    " WHERE status = 'completed'",
    "ALTER TABLE erasure_requests ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON erasure_requests USING {_TENANT} WITH CHECK {_TENANT}",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
