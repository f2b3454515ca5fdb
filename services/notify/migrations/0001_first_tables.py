"""The notify tables of release 0.1, as `create_all` made them before revisions existed.

A store made then has tables and no `alembic_version`: `shared.migrations`
stamps it here. Its DDL is kept in tests/data/schema-0.1/ for the upgrade test.
"""

revision = "notify_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
