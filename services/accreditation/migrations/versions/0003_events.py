"""Events: the inbox that makes scheduling's events count once, and an outbox of our own.

The inbox records every event id from scheduling in the transaction that applies it
(``kit.outbox.first_time``), so a redelivered ``session.closed`` records nothing twice.
The outbox, deliveries and subscribers tables serve accreditation's own events.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from services.kit import outbox

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATEMENTS = outbox.statements()


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
