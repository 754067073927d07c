"""The date a person was registered, which registers with their own cycles count from.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE person_registrations ADD COLUMN registered_on date")
