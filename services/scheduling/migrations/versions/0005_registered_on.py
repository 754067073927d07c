"""The date a person was registered, which registers with their own cycles count from."""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.execute("ALTER TABLE person_registrations ADD COLUMN registered_on date")
