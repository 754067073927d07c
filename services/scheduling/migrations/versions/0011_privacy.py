"""Privacy: the processing log and the tenant's retention settings.

- ``processing_log`` records each read, export and erasure of a person's data: who (the
  reader's subject and role, nothing else about them), when, what (``operation``, the person
  or a ``scope`` such as a register code for a bulk read), why (``grant``: the consent or role
  that allowed it) and the request's id. Append-only: the service's role may insert and
  select, never update, delete or truncate, and a trigger refuses all three to anyone.
  ``processing_log_org_idx`` and ``processing_log_person_idx`` serve the tenant's and a
  person's keyset-paged reading.
- ``retention_settings``: a tenant's chosen retention per rule (``name``, a whole number of
  the rule's unit); a rule without a row keeps its default. The legal floors are code.
- ``retention_runs``: what each run of the retention job removed, per tenant and rule.
- ``retention_tenants(table)``: the tenants holding rows in one of this schema's tables, for
  the retention job, whose connection names no tenant. Owned by the table's owner and run
  with its rights (``SECURITY DEFINER``), it returns tenant ids and nothing else; only the
  service's role may run it, with the schema as its fixed search path.
- ``outbox_retention_idx`` and ``deliveries_event_idx``: the job finds a tenant's old events,
  and the deliveries of an event, without reading the whole outbox.
- Row-level security as for every tenant table.
"""

from alembic import op

revision = "0011"
down_revision = "0010"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"

STATEMENTS = [
    """
    CREATE TABLE processing_log (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_subject text NOT NULL,
        actor_role text NOT NULL,
        operation text NOT NULL,
        person_id uuid,
        scope text,
        "grant" text NOT NULL,
        request_id text,
        CONSTRAINT processing_log_what CHECK (person_id IS NOT NULL OR scope IS NOT NULL)
    )
    """,
    "CREATE INDEX processing_log_org_idx ON processing_log (org_id, id)",
    "CREATE INDEX processing_log_person_idx ON processing_log (org_id, person_id, id)"
    " WHERE person_id IS NOT NULL",
    "ALTER TABLE processing_log ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON processing_log"
    f" USING (org_id = {TENANT}) WITH CHECK (org_id = {TENANT})",
    """
    CREATE FUNCTION processing_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'P0001', HINT = 'The processing log is never rewritten.';
    END
    $$
    """,
    "CREATE TRIGGER processing_log_append_only BEFORE UPDATE OR DELETE ON processing_log"
    " FOR EACH ROW EXECUTE FUNCTION processing_log_refuse_change()",
    "CREATE TRIGGER processing_log_no_truncate BEFORE TRUNCATE ON processing_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION processing_log_refuse_change()",
    """
    DO $$ BEGIN
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE ON processing_log FROM %I',
            'kring_' || current_schema()
        );
    END $$
    """,
    """
    CREATE TABLE retention_settings (
        org_id uuid NOT NULL,
        name text NOT NULL,
        value integer NOT NULL CHECK (value >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        CONSTRAINT retention_settings_pkey PRIMARY KEY (org_id, name)
    )
    """,
    "ALTER TABLE retention_settings ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON retention_settings"
    f" USING (org_id = {TENANT}) WITH CHECK (org_id = {TENANT})",
    """
    CREATE TABLE retention_runs (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        rule text NOT NULL,
        as_of timestamptz NOT NULL,
        cutoff timestamptz NOT NULL,
        removed integer NOT NULL CHECK (removed >= 0),
        ran_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX retention_runs_rule_idx ON retention_runs (org_id, rule, id)",
    "ALTER TABLE retention_runs ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY tenant_isolation ON retention_runs"
    f" USING (org_id = {TENANT}) WITH CHECK (org_id = {TENANT})",
    "CREATE INDEX outbox_retention_idx ON outbox (org_id, occurred_at)",
    "CREATE INDEX deliveries_event_idx ON deliveries (event_position)",
    # A skip scan: one index probe per tenant, on any table whose index leads with org_id.
    """
    CREATE FUNCTION retention_tenants(target regclass) RETURNS SETOF uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    AS $$
    BEGIN
        RETURN QUERY EXECUTE format(
            'WITH RECURSIVE t(org_id) AS ('
            ' (SELECT org_id FROM %1$s WHERE org_id IS NOT NULL ORDER BY org_id LIMIT 1)'
            ' UNION ALL'
            ' SELECT (SELECT s.org_id FROM %1$s s WHERE s.org_id > t.org_id'
            ' ORDER BY s.org_id LIMIT 1) FROM t WHERE t.org_id IS NOT NULL'
            ') SELECT org_id FROM t WHERE org_id IS NOT NULL',
            target
        );
    END
    $$
    """,
    """
    DO $$ BEGIN
        EXECUTE format(
            'ALTER FUNCTION retention_tenants(regclass) SET search_path = %I, pg_temp',
            current_schema()
        );
        EXECUTE format(
            'GRANT EXECUTE ON FUNCTION retention_tenants(regclass) TO %I',
            'kring_' || current_schema()
        );
    END $$
    """,
    "REVOKE EXECUTE ON FUNCTION retention_tenants(regclass) FROM PUBLIC",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
