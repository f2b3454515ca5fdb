"""Contract version 2: a coordinator's `language` (English for earlier rows), an
outbox row's `key`, and the once-only constraint with the key in it
(services/notify/schema.py).
"""

from alembic import op

from services.notify.schema import upgrade as v2

revision = "notify_0002"
down_revision = "notify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    v2(op.get_bind())


def downgrade() -> None:
    pass
