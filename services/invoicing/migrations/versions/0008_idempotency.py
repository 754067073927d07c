"""The answers stored for idempotency keys: one per tenant and key, kept 24 hours.

A POST's ``Idempotency-Key`` is claimed (its SHA-256 in ``key``) with the fingerprint of the
request (method, path, query, body) at the start of the request's transaction, and its answer
(status, the headers that matter, body) written in the same transaction, so an effect is never
committed without its answer. ``status`` is null only inside that transaction. Expired rows are
removed by later claims of the tenant (``idempotency_keys_expiry_idx``).
"""

from alembic import op

revision = "0008"
down_revision = "0007"

STATEMENTS = [
    """
    CREATE TABLE idempotency_keys (
        org_id uuid NOT NULL,
        key bytea NOT NULL,
        fingerprint bytea NOT NULL,
        status smallint,
        headers jsonb,
        body bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (org_id, key),
        CONSTRAINT idempotency_keys_answer_check
            CHECK ((status IS NULL) = (headers IS NULL) AND (status IS NULL) = (body IS NULL))
    )
    """,
    "CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (org_id, created_at)",
    "ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON idempotency_keys"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
