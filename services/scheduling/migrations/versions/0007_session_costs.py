"""The costs a facilitator enters when closing a session, kept with it as entered.

Preparation and travel minutes, kilometres, the location's and other costs with their
descriptions: an object whose figures may each be null (left out: invoicing takes the
billing profile's default). Only a session that was closed has them; like the rest of a
closed session they no longer change (``sessions_guard``).
"""

from alembic import op

revision = "0007"
down_revision = "0006"

STATEMENTS = [
    "ALTER TABLE sessions ADD COLUMN costs jsonb",
    "ALTER TABLE sessions ADD CONSTRAINT sessions_costs_check"
    " CHECK (costs IS NULL OR (jsonb_typeof(costs) = 'object' AND status <> 'planned'))",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
