"""Per-session cost inputs and revisable cost sheets.

A cost sheet gets the location line's own text, a revision number (1 as made; each revision
before issue adds one, ``revised_at`` says when) and ``superseded_at``: after its invoices are
credited a new sheet of the session may replace it. The session keeps one current sheet: the
unique constraint on the session becomes a unique index over the sheets not superseded.
"""

from alembic import op

revision = "0006"
down_revision = "0005"

STATEMENTS: list[str] = [
    "ALTER TABLE cost_sheets ADD COLUMN location_description text",
    "ALTER TABLE cost_sheets ADD COLUMN revision integer NOT NULL DEFAULT 1",
    "ALTER TABLE cost_sheets ADD COLUMN revised_at timestamptz",
    "ALTER TABLE cost_sheets ADD COLUMN superseded_at timestamptz",
    "ALTER TABLE cost_sheets ADD CONSTRAINT cost_sheets_revision_check"
    " CHECK (revision >= 1 AND (revision = 1) = (revised_at IS NULL))",
    "ALTER TABLE cost_sheets DROP CONSTRAINT cost_sheets_session_key",
    "CREATE UNIQUE INDEX cost_sheets_current_session_key ON cost_sheets (org_id, session_id)"
    " WHERE superseded_at IS NULL",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
