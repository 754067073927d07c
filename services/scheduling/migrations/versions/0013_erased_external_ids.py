"""Erased external ids: what keeps an HR sync from bringing an erased person back (ADR 0098).

- ``erased_external_ids``: one row per erased person whose HR system's id was known, written
  in the erasure's transaction. ``key`` is ``sha256(org_id bytes || external id, UTF-8)``:
  it recognises the id when a sync sends it again, and does not hold it. The row goes with
  the erasure's record (``subject_erasures``), whatever removes that.
"""

from alembic import op

revision = "0013"
down_revision = "0012"

_TENANT = "(org_id = nullif(current_setting('app.org_id', true), '')::uuid)"

STATEMENTS = [
    """
    CREATE TABLE erased_external_ids (
        org_id uuid NOT NULL,
        key bytea NOT NULL CHECK (length(key) = 32),
        person_id uuid NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, key),
        CONSTRAINT erased_external_ids_person_key UNIQUE (org_id, person_id),
        FOREIGN KEY (org_id, person_id) REFERENCES subject_erasures (org_id, person_id)
            ON DELETE CASCADE
    )
    """,
    "ALTER TABLE erased_external_ids ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON erased_external_ids USING {_TENANT} WITH CHECK {_TENANT}",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
