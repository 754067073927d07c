"""How a member joined a hybrid session (in person or online), where the facilitator says.

Null: not said. Outside a hybrid session the session's mode decides; a register that counts
face-to-face hours only refuses the online part.
"""

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.execute(
        "ALTER TABLE attendance ADD COLUMN joined text"
        " CONSTRAINT attendance_joined CHECK (joined IN ('in_person', 'online'))"
    )
