"""Credentials a registration body can verify without calling Kring, their revocation, and the
SKJ reflection statement.

- ``credentials``: each signed credential (a compact JWS) as it was issued, per session credit
  (``kind`` ``session``, one per credit) or per person, register and cycle (``period``, one
  standing at a time), with the credits (``entry_ids``) and reflection statements it states and
  its place in the organisation's status list. Only its revocation may change, once; the
  service's role may not delete one.
- ``credential_counters``: the next status list position per organisation (list of 131,072).
- ``reflection_rules``: which bodies' supervisors may countersign a register's reflection
  statement, versioned like the rule sets; the catalogue's SKJ version 1 here.
- ``reflection_statements``: a participant's request to a supervisor for a cycle, and the
  supervisor's countersignature with the recognition they signed under.
- ``attendance_confirmations``: when a participant confirmed their attendance of a session
  (scheduling's ``attendance.confirmed``), for the proof of attendance to state.
"""

from alembic import op

revision = "0010"
down_revision = "0009"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"
APP_ROLE = "kring_accreditation"

REVOKE_ONLY = """
    CREATE FUNCTION credentials_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
           OR (to_jsonb(NEW) - 'revoked_at' - 'revoked_reason')
              IS DISTINCT FROM (to_jsonb(OLD) - 'revoked_at' - 'revoked_reason') THEN
            RAISE EXCEPTION 'credentials are immutable: only a revocation is recorded, once'
                USING ERRCODE = 'P0001';
        END IF;
        RETURN NEW;
    END
    $$
"""


def _tenant_only(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING (org_id = {TENANT})"
        f" WITH CHECK (org_id = {TENANT})",
    ]


STATEMENTS = [
    """
    CREATE TABLE credential_counters (
        org_id uuid NOT NULL PRIMARY KEY,
        issued bigint NOT NULL
    )
    """,
    *_tenant_only("credential_counters"),
    """
    CREATE TABLE credentials (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL,
        person_id uuid NOT NULL,
        employer_id uuid,
        register_code text COLLATE "C" NOT NULL,
        cycle_start date NOT NULL,
        cycle_end date NOT NULL,
        entry_id uuid,
        entry_ids uuid[] NOT NULL,
        reflection_ids uuid[] NOT NULL DEFAULT '{}',
        base_url text NOT NULL,
        status_list integer NOT NULL,
        status_index integer NOT NULL,
        issued_at timestamptz NOT NULL,
        key_id text NOT NULL,
        jws text NOT NULL,
        replaces_id uuid,
        revoked_at timestamptz,
        revoked_reason text,
        PRIMARY KEY (org_id, id),
        CONSTRAINT credentials_kind CHECK (kind IN ('session', 'period')),
        CONSTRAINT credentials_session_entry CHECK ((kind = 'session') = (entry_id IS NOT NULL)),
        CONSTRAINT credentials_status_position CHECK (
            status_list >= 1 AND status_index >= 0 AND status_index < 131072
        ),
        CONSTRAINT credentials_revocation CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
        CONSTRAINT credentials_status_key UNIQUE (org_id, status_list, status_index)
    )
    """,
    "CREATE UNIQUE INDEX credentials_once_per_credit ON credentials (org_id, entry_id)"
    " WHERE kind = 'session'",
    "CREATE UNIQUE INDEX credentials_one_standing_statement ON credentials"
    " (org_id, person_id, register_code, cycle_start) WHERE kind = 'period' AND revoked_at IS NULL",
    "CREATE INDEX credentials_person_idx ON credentials (org_id, person_id, id)",
    "CREATE INDEX credentials_register_idx ON credentials (org_id, register_code, id)",
    "CREATE INDEX credentials_entries_idx ON credentials USING gin (entry_ids)",
    "CREATE INDEX credentials_revoked_idx ON credentials (org_id, status_list)"
    " WHERE revoked_at IS NOT NULL",
    *_tenant_only("credentials"),
    REVOKE_ONLY,
    "CREATE TRIGGER credentials_revoke_only BEFORE UPDATE ON credentials"
    " FOR EACH ROW EXECUTE FUNCTION credentials_revoke_only()",
    "CREATE TRIGGER credentials_no_delete BEFORE DELETE ON credentials"
    " FOR EACH ROW EXECUTE FUNCTION refuse_rewrite()",
    f'REVOKE DELETE, TRUNCATE ON credentials FROM "{APP_ROLE}"',
    """
    CREATE TABLE reflection_rules (
        id uuid NOT NULL PRIMARY KEY,
        org_id uuid,
        register_code text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        valid_from date NOT NULL,
        supervisor_recognitions text[] NOT NULL,
        uncertain boolean NOT NULL,
        source text NOT NULL,
        CONSTRAINT reflection_rules_version_positive CHECK (version >= 1)
    )
    """,
    """
    CREATE UNIQUE INDEX reflection_rules_version_key ON reflection_rules
        (COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), register_code, version)
    """,
    "ALTER TABLE reflection_rules ENABLE ROW LEVEL SECURITY",
    f"CREATE POLICY catalogue_or_tenant ON reflection_rules FOR SELECT"
    f" USING (org_id IS NULL OR org_id = {TENANT})",
    f"CREATE POLICY tenant_writes ON reflection_rules FOR INSERT WITH CHECK (org_id = {TENANT})",
    "CREATE TRIGGER reflection_rules_append_only BEFORE UPDATE OR DELETE ON reflection_rules"
    " FOR EACH ROW EXECUTE FUNCTION refuse_rewrite()",
    "INSERT INTO reflection_rules"
    " (id, org_id, register_code, version, valid_from, supervisor_recognitions, uncertain, source)"
    " VALUES (gen_random_uuid(), NULL, 'SKJ', 1, DATE '2000-01-01',"
    " ARRAY['LVSC', 'VGCT', 'NIP', 'NVO', 'NVRG'], true,"
    " 'SKJ: the reflectieverklaring is signed by a supervisor registered with LVSC, VGCT, NIP,"
    " NVO or NVRG (which bodies SKJ accepts is uncertain).')",
    """
    CREATE TABLE reflection_statements (
        org_id uuid NOT NULL,
        id uuid NOT NULL,
        person_id uuid NOT NULL,
        person_name text NOT NULL,
        register_code text COLLATE "C" NOT NULL,
        cycle_start date NOT NULL,
        cycle_end date NOT NULL,
        supervisor_id uuid NOT NULL,
        supervisor_name text NOT NULL,
        requested_at timestamptz NOT NULL,
        requested_by text NOT NULL,
        status text NOT NULL,
        countersigned_at timestamptz,
        countersigned_by text,
        recognition_register text,
        recognition_number text,
        PRIMARY KEY (org_id, id),
        CONSTRAINT reflection_statements_status CHECK (status IN ('requested', 'countersigned')),
        CONSTRAINT reflection_statements_countersigned CHECK (
            (status = 'countersigned') = (countersigned_at IS NOT NULL)
            AND (countersigned_at IS NULL) = (recognition_register IS NULL)
        ),
        CONSTRAINT reflection_statements_once UNIQUE
            (org_id, person_id, register_code, cycle_start, supervisor_id)
    )
    """,
    "CREATE INDEX reflection_statements_person_idx ON reflection_statements"
    " (org_id, person_id, id)",
    "CREATE INDEX reflection_statements_supervisor_idx ON reflection_statements"
    " (org_id, supervisor_id, id)",
    *_tenant_only("reflection_statements"),
    """
    CREATE TABLE attendance_confirmations (
        org_id uuid NOT NULL,
        session_id uuid NOT NULL,
        person_id uuid NOT NULL,
        confirmed_at timestamptz NOT NULL,
        PRIMARY KEY (org_id, session_id, person_id)
    )
    """,
    *_tenant_only("attendance_confirmations"),
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
