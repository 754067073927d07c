"""A person's erasure without rewriting the ledger (ADR 0092).

- ``ledger_entries`` holds the person's name and registration number outside the hash from
  now on: an entry of ``hash_version`` 2 hashes ``personal_commitment`` (SHA-256 of a random
  ``personal_salt`` and the two fields) instead. Shredding sets the name, the number and the
  salt to NULL, and the hash still verifies. Entries written before (``hash_version`` 1,
  which the existing rows take, and the default) hash the plaintext; one is shredded only
  after a signed ``ledger_redactions`` row vouches for the rest of it. The append-only
  trigger admits exactly these two updates; the service's role may update only those three
  columns.
- ``ledger_redactions``: per shredded version-1 entry, its hash, the hash of what is left of
  it, and an Ed25519 signature of both by the checkpoint key. Append-only.
- ``ledger_entries_named_cycle_idx``: the retention job's search for entries still naming
  their person in cycles that ended long enough ago.
- ``subject_erasures``: this service's part of a person's erasure, once (append-only).
- ``credentials``: a revoked credential's JWS may be erased (set to ''); its place in the
  status list stays taken and revoked.
"""

from alembic import op

revision = "0012"
down_revision = "0011"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"
APP_ROLE = "kring_accreditation"
PERSONAL = "'person_name' - 'registration_number' - 'personal_salt'"

SHRED_ONLY = f"""
    CREATE FUNCTION ledger_entries_shred_only() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND NEW.person_name IS NULL AND NEW.registration_number IS NULL
           AND NEW.personal_salt IS NULL
           AND (to_jsonb(NEW) - {PERSONAL}) = (to_jsonb(OLD) - {PERSONAL})
           AND (OLD.hash_version >= 2 OR EXISTS (
                SELECT 1 FROM ledger_redactions r
                WHERE r.org_id = OLD.org_id AND r.entry_id = OLD.id)) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'P0001',
                  HINT = 'Corrections are reversal entries; personal data is only shredded.';
    END
    $$
"""

REVOKE_OR_ERASE = """
    CREATE OR REPLACE FUNCTION credentials_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        revoking boolean := OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL;
        erasing boolean := OLD.jws <> '' AND NEW.jws = '' AND NEW.revoked_at IS NOT NULL;
    BEGIN
        IF (to_jsonb(NEW) - 'revoked_at' - 'revoked_reason' - 'jws')
              IS DISTINCT FROM (to_jsonb(OLD) - 'revoked_at' - 'revoked_reason' - 'jws')
           OR (NEW.jws <> OLD.jws AND NOT erasing)
           OR (NOT revoking AND (NEW.revoked_at, NEW.revoked_reason)
                                IS DISTINCT FROM (OLD.revoked_at, OLD.revoked_reason))
           OR NOT (revoking OR erasing) THEN
            RAISE EXCEPTION 'credentials are immutable: only a revocation is recorded, once,'
                ' and a revoked one''s token erased'
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


def _append_only(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
        " FOR EACH ROW EXECUTE FUNCTION refuse_rewrite()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewrite()",
        f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{APP_ROLE}"',
    ]


STATEMENTS = [
    "ALTER TABLE ledger_entries ADD COLUMN hash_version smallint NOT NULL DEFAULT 1",
    "ALTER TABLE ledger_entries ADD COLUMN personal_commitment text",
    "ALTER TABLE ledger_entries ADD COLUMN personal_salt text",
    "ALTER TABLE ledger_entries ALTER COLUMN person_name DROP NOT NULL",
    "ALTER TABLE ledger_entries ALTER COLUMN registration_number DROP NOT NULL",
    """
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_personal_shape CHECK (
        hash_version IN (1, 2)
        AND (person_name IS NULL) = (registration_number IS NULL)
        AND (hash_version = 1) = (personal_commitment IS NULL)
        AND (hash_version = 1 OR (personal_salt IS NULL) = (person_name IS NULL))
    )
    """,
    """
    CREATE TABLE ledger_redactions (
        org_id uuid NOT NULL,
        entry_id uuid NOT NULL,
        seq bigint NOT NULL,
        entry_hash text NOT NULL,
        residual_hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        public_key text NOT NULL,
        signature text NOT NULL,
        PRIMARY KEY (org_id, entry_id),
        CONSTRAINT ledger_redactions_entry_fkey FOREIGN KEY (org_id, entry_id)
            REFERENCES ledger_entries (org_id, id)
    )
    """,
    "CREATE INDEX ledger_entries_named_cycle_idx ON ledger_entries (org_id, cycle_end, seq)"
    " WHERE person_name IS NOT NULL",
    *_tenant_only("ledger_redactions"),
    *_append_only("ledger_redactions"),
    "DROP TRIGGER ledger_entries_append_only ON ledger_entries",
    SHRED_ONLY,
    "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries"
    " FOR EACH ROW EXECUTE FUNCTION ledger_entries_shred_only()",
    "GRANT UPDATE (person_name, registration_number, personal_salt) ON ledger_entries"
    f' TO "{APP_ROLE}"',
    """
    CREATE TABLE subject_erasures (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        erased_at timestamptz NOT NULL,
        erased_by text NOT NULL,
        entries_shredded integer NOT NULL,
        credentials_revoked integer NOT NULL,
        PRIMARY KEY (org_id, person_id)
    )
    """,
    *_tenant_only("subject_erasures"),
    *_append_only("subject_erasures"),
    REVOKE_OR_ERASE,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
