"""Subscriptions: a tenant's (and an HR client's) own webhook endpoints beside the operator's,
with a status a person can read, a second secret while one is rotated, and deliveries claimed
for a short lease, so that the relay sends outside any transaction.

- ``subscribers.status`` replaces ``active``: ``active``, ``paused`` (by its owner) or
  ``disabled`` (by Kring, with ``disabled_reason``); ``active`` stays, computed from it.
- ``previous_secret`` signs beside ``secret`` until ``previous_secret_until``.
- ``reader`` is the caller who created a tenant's subscription (subject, roles, claims):
  the subscription receives what that caller may read of each event, and is managed by
  callers with its claims (an HR client's by its client organisation) and the tenant's admins.
- Row-level security: a tenant's transaction sees its own subscriptions and reads the
  operator's (``org_id`` null, for its events' deliveries) but cannot change them; a
  connection that names no tenant (the relay, the operator's configuration) sees all.
- ``deliveries.status`` ``skipped``: an event its subscriber may not read, never sent.
- ``deliveries.claimed_until`` and ``claimed_by``: the lease of the replica sending it, with
  the indexes a claim reads.
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
    "ALTER TABLE subscribers ADD COLUMN reader jsonb",
    "ALTER TABLE subscribers ADD COLUMN created_by text",
    "ALTER TABLE subscribers ADD COLUMN previous_secret text",
    "ALTER TABLE subscribers ADD COLUMN previous_secret_until timestamptz",
    "ALTER TABLE subscribers ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()",
    "CREATE INDEX subscribers_org_idx ON subscribers (org_id, created_at, id)",
    "ALTER TABLE subscribers ADD CONSTRAINT subscribers_reader_check"
    " CHECK ((org_id IS NULL) = (reader IS NULL))",
    "ALTER TABLE subscribers ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON subscribers"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid"
    " OR nullif(current_setting('app.org_id', true), '') IS NULL)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid"
    " OR nullif(current_setting('app.org_id', true), '') IS NULL)",
    "CREATE POLICY operator_subscribers ON subscribers FOR SELECT USING (org_id IS NULL)",
    "ALTER TABLE deliveries DROP CONSTRAINT deliveries_status_check",
    "ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check"
    " CHECK (status IN ('pending', 'delivered', 'failed', 'skipped'))",
    "ALTER TABLE deliveries ADD COLUMN claimed_until timestamptz",
    "ALTER TABLE deliveries ADD COLUMN claimed_by text",
    "ALTER TABLE deliveries ADD COLUMN created_at timestamptz NOT NULL DEFAULT now()",
    # A claim walks each subscriber's pending deliveries in order and counts its open leases.
    "CREATE INDEX deliveries_claim_idx ON deliveries (subscriber_id, event_position)"
    " WHERE status = 'pending'",
    "CREATE INDEX deliveries_leased_idx ON deliveries (subscriber_id) WHERE claimed_by IS NOT NULL",
    "ALTER TABLE delivery_attempts ADD COLUMN response_excerpt text",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
