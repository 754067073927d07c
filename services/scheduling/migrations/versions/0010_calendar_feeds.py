"""Calendar feeds: a person's or a group's secret feed URL, polled without a bearer token.

- ``calendar_feeds`` keeps one row per URL ever made: only the SHA-256 of its token, who
  made it, and, once rotated or revoked, when, by whom and why. At most one live URL per
  owner (``calendar_feeds_live_idx``); a token hash is unique across tenants.
- ``content_tag`` and ``content_changed_at``: the ETag of the feed's answer as last served,
  and when it last changed (strictly later at each change): the answer's ``Last-Modified``.
- Row-level security as for every tenant table. The public route knows no tenant until it
  has the token: ``calendar_feed_holder(hash)``, owned by the table's owner and run with its
  rights (``SECURITY DEFINER``), finds a live URL's tenant and owner by hash and nothing
  else; only the service's role may run it, with the schema as its fixed search path.
"""

from alembic import op

revision = "0010"
down_revision = "0009"

STATEMENTS = [
    """
    CREATE TABLE calendar_feeds (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        owner_kind text NOT NULL CHECK (owner_kind IN ('person', 'group')),
        owner_id uuid NOT NULL,
        token_hash bytea NOT NULL CHECK (length(token_hash) = 32),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        revoked_at timestamptz,
        revoked_by text,
        revoked_because text CHECK (revoked_because IN ('rotated', 'revoked')),
        content_tag text,
        content_changed_at timestamptz,
        CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash),
        CONSTRAINT calendar_feeds_revocation CHECK (
            (revoked_at IS NULL) = (revoked_by IS NULL)
            AND (revoked_at IS NULL) = (revoked_because IS NULL)
        )
    )
    """,
    "CREATE UNIQUE INDEX calendar_feeds_live_idx"
    " ON calendar_feeds (org_id, owner_kind, owner_id) WHERE revoked_at IS NULL",
    "ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON calendar_feeds"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE FUNCTION calendar_feed_holder(wanted bytea)
    RETURNS TABLE (
        org_id uuid, id uuid, owner_kind text, owner_id uuid,
        content_tag text, content_changed_at timestamptz
    )
    LANGUAGE sql STABLE SECURITY DEFINER
    AS $$
        SELECT f.org_id, f.id, f.owner_kind, f.owner_id, f.content_tag, f.content_changed_at
        FROM calendar_feeds f
        WHERE f.token_hash = wanted AND f.revoked_at IS NULL
    $$
    """,
    """
    DO $$ BEGIN
        EXECUTE format(
            'ALTER FUNCTION calendar_feed_holder(bytea) SET search_path = %I, pg_temp',
            current_schema()
        );
        EXECUTE format(
            'GRANT EXECUTE ON FUNCTION calendar_feed_holder(bytea) TO %I',
            'kring_' || current_schema()
        );
    END $$
    """,
    "REVOKE EXECUTE ON FUNCTION calendar_feed_holder(bytea) FROM PUBLIC",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
