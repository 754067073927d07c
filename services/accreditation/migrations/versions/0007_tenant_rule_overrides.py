"""Tenant overrides: an organisation's own version of a catalogue register's rules.

An override changes only the figures the catalogue marks uncertain, for the organisation that
adds it, and says why (`reason`, at most 500 characters). It is a row of `rule_sets` like any
other version, so a ledger entry judged by it names it (`rule_set_id`). Which register a row's
code must name follows `overrides`: an organisation's own register (the foreign key of
revision 0002, now on `own_register_code`) or a catalogue register (`catalogue_code`). Both
columns are generated, so a row cannot say one thing and reference another.
"""

from alembic import op

revision = "0007"
down_revision = "0006"

STATEMENTS = [
    "ALTER TABLE rule_sets ADD COLUMN overrides boolean NOT NULL DEFAULT false",
    "ALTER TABLE rule_sets ADD COLUMN reason text",
    """
    ALTER TABLE rule_sets ADD CONSTRAINT rule_sets_reason_length
        CHECK (char_length(reason) BETWEEN 1 AND 500)
    """,
    """
    ALTER TABLE rule_sets ADD CONSTRAINT rule_sets_override_shape
        CHECK (NOT overrides OR (org_id IS NOT NULL AND reason IS NOT NULL))
    """,
    """
    ALTER TABLE rule_sets ADD COLUMN own_register_code text COLLATE "C"
        GENERATED ALWAYS AS (CASE WHEN NOT overrides THEN register_code END) STORED
    """,
    """
    ALTER TABLE rule_sets ADD COLUMN catalogue_code text COLLATE "C"
        GENERATED ALWAYS AS (CASE WHEN overrides THEN register_code END) STORED
    """,
    "ALTER TABLE rule_sets DROP CONSTRAINT rule_sets_organisation_register_fkey",
    """
    ALTER TABLE rule_sets ADD CONSTRAINT rule_sets_organisation_register_fkey
        FOREIGN KEY (org_id, own_register_code) REFERENCES organisation_registers (org_id, code)
    """,
    """
    ALTER TABLE rule_sets ADD CONSTRAINT rule_sets_catalogue_register_fkey
        FOREIGN KEY (catalogue_code) REFERENCES registers (code)
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
