"""The supplier's contact e-mail on billing profiles: the Rijk (Basisfactuur Rijk 2.8) requires
it on every e-invoice to a government buyer. Optional; existing profiles have none.
"""

from alembic import op

revision = "0007"
down_revision = "0006"

STATEMENTS = [
    "ALTER TABLE billing_profiles ADD COLUMN email text",
    "ALTER TABLE billing_profiles ADD CONSTRAINT billing_profiles_email_check"
    " CHECK (length(email) BETWEEN 3 AND 254)",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
