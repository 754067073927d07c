"""When a sync's refusal of an erased person's id was last announced (ADR 0098).

``erased_external_ids.announced_at``: an HR system that keeps sending the id is refused every
time (422, rule ``erased``) and told by ``person.resync_refused`` once a day at most, instead
of once per attempt. Null until the first refusal.
"""

from alembic import op

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    op.execute("ALTER TABLE erased_external_ids ADD COLUMN announced_at timestamptz")
