"""The register catalogue: reference data shared by every tenant, read-only for the service."""

from alembic import op

revision = "0001"
down_revision = None

STATEMENTS = [
    """
    CREATE TABLE registers (
        code text COLLATE "C" NOT NULL PRIMARY KEY,
        name text NOT NULL,
        full_name text NOT NULL,
        profession text NOT NULL,
        website text,
        counts_intervisie boolean NOT NULL,
        notes text NOT NULL DEFAULT '',
        CONSTRAINT registers_code_format CHECK (code ~ '^[A-Z0-9_]{2,32}$'),
        CONSTRAINT registers_name_key UNIQUE (name),
        CONSTRAINT registers_website_format CHECK (website ~ '^https://'),
        CONSTRAINT registers_notes_length CHECK (char_length(notes) <= 500)
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'SKJ', 'SKJ', 'Stichting Kwaliteitsregister Jeugd', 'youth professional',
        'https://skjeugd.nl', true,
        'Does not accredit intervisie per activity: the professional self-declares it with '
        'evidence and a reflectieverklaring signed by a recognised supervisor. Not on PE-online.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'NOVA', 'NOvA', 'Nederlandse Orde van Advocaten', 'lawyer',
        'https://www.advocatenorde.nl', true,
        'Intervisie is part of the kwaliteitstoets and is led by a NOvA-registered '
        'gespreksleider; the proof of attendance carries only a short, non-substantive description.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'MFN', 'MfN', 'Mediatorsfederatie Nederland', 'mediator',
        'https://mfnregister.nl', true,
        'Intervisie is a points category of its own within a fixed multi-year period; '
        'the group must include fellow MfN mediators.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'NIP', 'NIP', 'Nederlands Instituut van Psychologen', 'psychologist',
        'https://www.psynip.nl', true,
        'Each meeting needs a written report, kept by the participant.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'NVO', 'NVO', 'Nederlandse vereniging van pedagogen en onderwijskundigen',
        'orthopedagogue', 'https://www.nvo.nl', true,
        'Intervisie and supervisie count together.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'VAKTHERAPIE', 'Register Vaktherapie', 'Register Vaktherapie', 'arts therapist',
        'https://www.registervaktherapie.nl', true,
        'Points are recorded through PE-online; the group signs an intervisie agreement.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'VVN', 'V&VN', 'Verpleegkundigen & Verzorgenden Nederland', 'nurse',
        'https://www.venvn.nl', true,
        'Intervisie is a self-declared category.'
    )
    """,
    """
    INSERT INTO registers (code, name, full_name, profession, website, counts_intervisie, notes)
    VALUES (
        'NBA', 'NBA', 'Koninklijke Nederlandse Beroepsorganisatie van Accountants', 'accountant',
        'https://www.nba.nl', true,
        'Output-based, with no hour norm: intervisie is allowed in the portfolio.'
    )
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
