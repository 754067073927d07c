"""Subscriptions: a tenant's (and an HR client's) own webhook endpoints beside the operator's,
with a status a person can read, a second secret while one is rotated, and deliveries claimed
for a short lease, so that the relay sends outside any transaction.

- ``subscribers.status`` replaces ``active``: ``active``, ``paused`` (by its owner) or
  ``disabled`` (by Kring, with ``disabled_reason``); ``active`` stays, computed from it.
- ``previous_secret`` signs beside ``secret`` until ``previous_secret_until``.
- ``client_organisation_id`` narrows an HR client's subscription to its organisation's people.
- ``deliveries.claimed_until`` and ``claimed_by``: the lease of the replica sending it.
- ``delivery_attempts.response_excerpt``: the first bytes of the receiver's answer.
"""

from alembic import op

revision = "0009"
down_revision = "0008"

STATEMENTS = [
    "ALTER TABLE subscribers ADD COLUMN status text NOT NULL DEFAULT 'active'"
    " CHECK (status IN ('active', 'paused', 'disabled'))",
    "UPDATE subscribers SET status = 'disabled' WHERE NOT active",
    "ALTER TABLE subscribers DROP COLUMN active",
    "ALTER TABLE subscribers ADD COLUMN active boolean"
    " GENERATED ALWAYS AS (status = 'active') STORED",
    "ALTER TABLE subscribers ADD COLUMN disabled_reason text",
    "ALTER TABLE subscribers ADD COLUMN status_changed_at timestamptz",
    "ALTER TABLE subscribers ADD COLUMN description text",
    "ALTER TABLE subscribers ADD COLUMN client_organisation_id uuid",
    "ALTER TABLE subscribers ADD COLUMN created_by text",
    "ALTER TABLE subscribers ADD COLUMN previous_secret text",
    "ALTER TABLE subscribers ADD COLUMN previous_secret_until timestamptz",
    "ALTER TABLE subscribers ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()",
    "CREATE INDEX subscribers_org_idx ON subscribers (org_id, created_at, id)",
    "ALTER TABLE deliveries ADD COLUMN claimed_until timestamptz",
    "ALTER TABLE deliveries ADD COLUMN claimed_by text",
    "ALTER TABLE deliveries ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
    "ALTER TABLE delivery_attempts ADD COLUMN response_excerpt text",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
