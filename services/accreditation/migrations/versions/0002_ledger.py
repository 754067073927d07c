"""Versioned rule sets, organisation registers, the append-only hash-chained ledger,
signed checkpoints and consent grants.
"""

import json
import uuid

from alembic import op

revision = "0002"
down_revision = "0001"

TENANT = "nullif(current_setting('app.org_id', true), '')::uuid"
# The role accreditation runs as (kring_<schema>): it may append to the ledger, never rewrite it.
APP_ROLE = "kring_accreditation"

# Version 1 of each catalogue register's rules. Figures DOMAIN.md marks uncertain are named in
# `uncertain`: they are data, and a later version replaces them without touching old entries.
SEED_RULES: dict[str, dict[str, object]] = {
    "SKJ": {
        "unit": "hours",
        "min_session_minutes": 60,
        "online_counts": False,
        "facilitator_recognitions": ["LVSC", "VGCT", "NIP", "NVO", "NVRG"],
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "required_minutes_per_cycle": 3600,
        "self_declared": True,
        "uncertain": ["required_minutes_per_cycle", "facilitator_recognitions"],
        "source": "SKJ: 60 h reflection per 5 years (quoted by a provider); sessions of at "
        "least 1 h, face-to-face contact hours only, a reflectieverklaring signed by a "
        "supervisor registered with LVSC, VGCT, NIP, NVO or NVRG; self-declared.",
    },
    "NOVA": {
        "unit": "points",
        "min_session_minutes": 120,
        "max_counted_minutes_per_session": 240,
        "group_min": 3,
        "group_max": 10,
        "facilitator_recognitions": ["NOVA"],
        "cap_per_year_centi": 400,
        "cycle_alignment": "calendar_year",
        "cycle_years": 1,
        "required_minutes_per_cycle": 480,
        "uncertain": ["cap_per_year_centi", "online_counts"],
        "source": "NOvA kwaliteitstoets: at least 8 h intervisie a year, each day 2-4 h "
        "continuous, group 3-10, NOvA-registered gespreksleider; 1 non-legal PO point per "
        "hour, at most 4 a year.",
    },
    "MFN": {
        "unit": "points",
        "min_session_minutes": 120,
        "group_min": 5,
        "min_peers_with_registration": 3,
        "cap_per_cycle_centi": 3400,
        "cycle_alignment": "fixed",
        "cycle_years": 3,
        "cycle_anchor": "2022-01-01",
        "required_points_centi_per_cycle": 1800,
        "uncertain": ["cycle_anchor"],
        "source": "MfN: 48 points per fixed 3-year period, at least 18 from intervisie, the "
        "category at most 34 per period; meetings of 2 h; at least 5 mediators of whom at "
        "least 3 MfN.",
    },
    "NIP": {
        "unit": "hours",
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "required_minutes_per_cycle": 2400,
        "source": "NIP: 5-year cycle, at least 40 h intervisie, a written report per meeting "
        "kept by the participant.",
    },
    "NVO": {
        "unit": "hours",
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "required_minutes_per_cycle": 2400,
        "uncertain": ["cycle_alignment"],
        "source": "NVO: 120 per 5 years, of which at least 40 h intervisie and/or supervisie.",
    },
    "VAKTHERAPIE": {
        "unit": "points",
        "min_session_minutes": 60,
        "group_min": 3,
        "group_max": 8,
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "uncertain": ["cycle_alignment"],
        "source": "Register Vaktherapie: 200 points per 5 years via PE-online; group 3-8, "
        "signed intervisie agreement, sessions of at least 1 h.",
    },
    "VVN": {
        "unit": "points",
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "self_declared": True,
        "uncertain": ["cap_per_cycle_centi"],
        "source": "V&VN: 184 points per 5 years; intervisie is a self-declared category with "
        "caps (figures uncertain, none applied yet).",
    },
    "NBA": {
        "unit": "hours",
        "cycle_alignment": "calendar_year",
        "cycle_years": 1,
        "source": "NBA: output-based, no hour norm; intervisie allowed in the portfolio.",
    },
}


def _seed(code: str, rules: dict[str, object]) -> str:
    doc = json.dumps(rules, sort_keys=True).replace("'", "''")
    return (
        "INSERT INTO rule_sets (id, org_id, register_code, version, valid_from, rules) "
        f"VALUES ('{uuid.uuid4()}', NULL, '{code}', 1, DATE '2000-01-01', '{doc}'::jsonb)"
    )


APPEND_ONLY = """
    CREATE FUNCTION refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'P0001', HINT = 'Corrections are reversal entries.';
    END
    $$
"""


def _append_only(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION refuse_rewrite()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewrite()",
        f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{APP_ROLE}"',
    ]


STATEMENTS = [
    """
    CREATE TABLE organisation_registers (
        org_id uuid NOT NULL,
        code text COLLATE "C" NOT NULL,
        name text NOT NULL,
        full_name text NOT NULL,
        profession text NOT NULL,
        website text,
        notes text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, code),
        CONSTRAINT organisation_registers_code_format CHECK (code ~ '^[A-Z0-9_]{2,32}$'),
        CONSTRAINT organisation_registers_name_key UNIQUE (org_id, name)
    )
    """,
    "ALTER TABLE organisation_registers ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON organisation_registers"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE rule_sets (
        id uuid NOT NULL PRIMARY KEY,
        org_id uuid,
        register_code text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        valid_from date NOT NULL,
        rules jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT rule_sets_version_positive CHECK (version >= 1),
        CONSTRAINT rule_sets_organisation_register_fkey FOREIGN KEY (org_id, register_code)
            REFERENCES organisation_registers (org_id, code)
    )
    """,
    """
    CREATE UNIQUE INDEX rule_sets_version_key ON rule_sets
        (COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), register_code, version)
    """,
    "ALTER TABLE rule_sets ENABLE ROW LEVEL SECURITY",
    f"""
    CREATE POLICY catalogue_or_tenant ON rule_sets FOR SELECT
        USING (org_id IS NULL OR org_id = {TENANT})
    """,
    f"CREATE POLICY tenant_writes ON rule_sets FOR INSERT WITH CHECK (org_id = {TENANT})",
    *(_seed(code, rules) for code, rules in SEED_RULES.items()),
    """
    CREATE TABLE ledger_entries (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        seq bigint NOT NULL,
        kind text NOT NULL,
        session_id uuid NOT NULL,
        person_id uuid NOT NULL,
        register_code text COLLATE "C" NOT NULL,
        revision integer NOT NULL,
        registration_number text NOT NULL,
        person_name text NOT NULL,
        session_date date NOT NULL,
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        mode text NOT NULL,
        group_size integer NOT NULL,
        method text,
        facilitator_name text NOT NULL,
        facilitator_recognitions text[] NOT NULL,
        minutes integer NOT NULL,
        points_centi integer NOT NULL,
        rule_set_id uuid NOT NULL REFERENCES rule_sets (id),
        rule_version integer NOT NULL,
        cycle_start date NOT NULL,
        cycle_end date NOT NULL,
        self_declared boolean NOT NULL,
        reverses_id uuid,
        reason text,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT ledger_entries_kind CHECK (kind IN ('credit', 'reversal')),
        CONSTRAINT ledger_entries_reversal_shape CHECK (
            (kind = 'credit' AND reverses_id IS NULL AND minutes >= 0 AND points_centi >= 0)
            OR (kind = 'reversal' AND reverses_id IS NOT NULL AND reason IS NOT NULL)
        ),
        CONSTRAINT ledger_entries_seq_key UNIQUE (org_id, seq),
        CONSTRAINT ledger_entries_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT ledger_entries_reverses_fkey FOREIGN KEY (org_id, reverses_id)
            REFERENCES ledger_entries (org_id, id)
    )
    """,
    """
    CREATE UNIQUE INDEX ledger_entries_once_per_revision ON ledger_entries
        (org_id, session_id, person_id, register_code, revision) WHERE kind = 'credit'
    """,
    """
    CREATE UNIQUE INDEX ledger_entries_reversed_once ON ledger_entries (org_id, reverses_id)
        WHERE reverses_id IS NOT NULL
    """,
    """
    CREATE INDEX ledger_entries_person_idx ON ledger_entries
        (org_id, person_id, register_code, session_date, id)
    """,
    """
    CREATE INDEX ledger_entries_register_idx ON ledger_entries
        (org_id, register_code, session_date, id)
    """,
    "CREATE INDEX ledger_entries_session_idx ON ledger_entries (org_id, session_id, id)",
    "ALTER TABLE ledger_entries ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON ledger_entries"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE checkpoints (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        seq bigint NOT NULL,
        head_hash text NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        public_key text NOT NULL,
        signature text NOT NULL,
        CONSTRAINT checkpoints_seq_positive CHECK (seq >= 1),
        CONSTRAINT checkpoints_org_id_id_key UNIQUE (org_id, id)
    )
    """,
    "CREATE INDEX checkpoints_seq_idx ON checkpoints (org_id, seq, id)",
    "ALTER TABLE checkpoints ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON checkpoints"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE consents (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        person_id uuid NOT NULL,
        register_code text COLLATE "C" NOT NULL,
        granted_at timestamptz NOT NULL,
        revoked_at timestamptz,
        CONSTRAINT consents_person_register_key UNIQUE (org_id, person_id, register_code),
        CONSTRAINT consents_org_id_id_key UNIQUE (org_id, id)
    )
    """,
    "ALTER TABLE consents ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON consents"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    APPEND_ONLY,
    *_append_only("rule_sets"),
    *_append_only("ledger_entries"),
    *_append_only("checkpoints"),
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
