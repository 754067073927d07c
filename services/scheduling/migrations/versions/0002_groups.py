"""People's manager, career start and registrations; facilitators; methods; groups."""

from alembic import op

revision = "0002"
down_revision = "0001"

METHODS = [
    (
        "incidentmethode",
        "Incidentmethode",
        60,
        ["Incident inbrengen", "Informatievragen", "Analyse", "Advies", "Evaluatie"],
    ),
    (
        "vijfstappenmodel",
        "Vijfstappenmodel",
        60,
        [
            "Probleem inbrengen",
            "Vragen stellen",
            "Probleem formuleren",
            "Oplossingen bedenken",
            "Evaluatie",
        ],
    ),
    (
        "balintmethode",
        "Balintmethode",
        75,
        [
            "Casus inbrengen",
            "Vragen stellen",
            "Inbrenger luistert",
            "Associëren",
            "Gevoelens delen",
            "Inbrenger reageert",
            "Verbreden",
            "Afsluiting",
        ],
    ),
    (
        "roddelmethode",
        "Roddelmethode",
        50,
        ["Casus inbrengen", "Vragen stellen", "Roddelen", "Reactie inbrenger", "Afsluiting"],
    ),
    (
        "socratisch-gesprek",
        "Socratisch gesprek",
        120,
        ["Vraag kiezen", "Voorbeeld kiezen", "Kernuitspraak", "Onderzoek", "Conclusie"],
    ),
    (
        "zesfasenmodel",
        "Zesfasenmodel",
        60,
        ["Voorbereiding", "Casus inbrengen", "Verheldering", "Analyse", "Adviezen", "Evaluatie"],
    ),
    (
        "drie-stoelen",
        "Drie stoelen",
        45,
        [
            "De casus vanuit jezelf",
            "De casus vanuit de ander",
            "De casus vanuit een helikopterview",
        ],
    ),
    (
        "kwadrantenmethode",
        "Kwadrantenmethode",
        60,
        ["Casus inbrengen", "Kwadranten invullen", "Bespreken", "Conclusie"],
    ),
    (
        "ret-abc",
        "RET / ABC-model",
        45,
        [
            "Activerende gebeurtenis",
            "Gedachten (beliefs)",
            "Gevolgen (consequences)",
            "Uitdagen",
            "Effectieve nieuwe gedachte",
        ],
    ),
    (
        "imi",
        "IMI (Buijssen)",
        60,
        [
            "Casus inbrengen",
            "Vragen",
            "Probleemstelling",
            "Gevoelens",
            "Analyse",
            "Oplossingen",
            "Keuze",
            "Evaluatie",
        ],
    ),
]


def _seed_method(key: str, name: str, minutes: int, steps: list[str]) -> str:
    array = ", ".join("'" + step.replace("'", "''") + "'" for step in steps)
    return (
        "INSERT INTO methods (id, org_id, key, name, minutes, steps) VALUES "
        f"(gen_random_uuid(), NULL, '{key}', '{name}', {minutes}, ARRAY[{array}])"
    )


STATEMENTS = [
    "ALTER TABLE people ADD COLUMN manager_id uuid",
    "ALTER TABLE people ADD COLUMN career_started_on date",
    "ALTER TABLE people ADD CONSTRAINT people_manager_fkey FOREIGN KEY (org_id, manager_id)"
    " REFERENCES people (org_id, id)",
    "ALTER TABLE people ADD CONSTRAINT people_not_own_manager CHECK (manager_id <> id)",
    "CREATE INDEX people_manager_idx ON people (org_id, manager_id)",
    """
    CREATE TABLE person_registrations (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        register text NOT NULL,
        number text NOT NULL,
        PRIMARY KEY (org_id, person_id, register),
        FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX person_registrations_number_idx"
    " ON person_registrations (org_id, register, number)",
    "ALTER TABLE person_registrations ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON person_registrations"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE facilitators (
        org_id uuid NOT NULL,
        person_id uuid NOT NULL,
        recognitions jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, person_id),
        FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
    )
    """,
    "ALTER TABLE facilitators ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON facilitators"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE methods (
        id uuid NOT NULL PRIMARY KEY,
        org_id uuid,
        key text NOT NULL,
        name text NOT NULL,
        minutes integer NOT NULL CHECK (minutes BETWEEN 5 AND 480),
        steps text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE UNIQUE INDEX methods_key_idx"
    " ON methods (coalesce(org_id, '00000000-0000-0000-0000-000000000000'), key)",
    # Everyone reads the catalogue (org_id NULL) and their own methods; each writes only its own.
    "ALTER TABLE methods ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON methods"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    "CREATE POLICY read_catalogue ON methods FOR SELECT USING (org_id IS NULL)",
    *[_seed_method(*method) for method in METHODS],
    """
    CREATE TABLE groups (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        name text NOT NULL,
        facilitator_id uuid NOT NULL,
        mode text NOT NULL CHECK (mode IN ('in_person', 'online', 'hybrid')),
        location text,
        default_method_id uuid REFERENCES methods (id),
        min_size integer NOT NULL DEFAULT 6,
        max_size integer NOT NULL DEFAULT 10,
        recommended_size integer NOT NULL DEFAULT 8,
        max_absences integer NOT NULL DEFAULT 1 CHECK (max_absences >= 0),
        seniority_spread_warning_years integer NOT NULL DEFAULT 15
            CHECK (seniority_spread_warning_years >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT groups_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT groups_size_policy CHECK (
            2 <= min_size AND min_size <= recommended_size AND recommended_size <= max_size
        ),
        FOREIGN KEY (org_id, facilitator_id) REFERENCES facilitators (org_id, person_id)
    )
    """,
    "CREATE INDEX groups_facilitator_idx ON groups (org_id, facilitator_id)",
    "ALTER TABLE groups ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON groups"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE group_agreements (
        org_id uuid NOT NULL,
        group_id uuid NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        ground_rules text NOT NULL,
        confidentiality text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, group_id, version),
        FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id)
    )
    """,
    "ALTER TABLE group_agreements ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON group_agreements"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE group_members (
        org_id uuid NOT NULL,
        group_id uuid NOT NULL,
        person_id uuid NOT NULL,
        joined_at timestamptz NOT NULL DEFAULT now(),
        left_at timestamptz,
        consent_at timestamptz,
        accepted_agreement_version integer,
        accepted_at timestamptz,
        PRIMARY KEY (org_id, group_id, person_id),
        FOREIGN KEY (org_id, group_id) REFERENCES groups (org_id, id),
        FOREIGN KEY (org_id, person_id) REFERENCES people (org_id, id)
    )
    """,
    "CREATE INDEX group_members_person_idx ON group_members (org_id, person_id)",
    "ALTER TABLE group_members ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON group_members"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
