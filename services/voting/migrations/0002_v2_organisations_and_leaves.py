"""Contract version 2: members' organisation keys (V3), each vote's leaf of
`ballots_root` and its annulment marker; entries' organisations are a new table
(made from the models).

Earlier rows get NULL: a member's key is unknown until it registers again, a
vote counts (not annulled); each earlier vote's leaf is hashed here from its
ballot (services/voting/schema.py), so a report never hashes one.
"""

from alembic import op

from services.voting.schema import fill_leaves
from shared.schema import add_missing_columns

revision = "voting_0002"
down_revision = "voting_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    binary = "BYTEA" if bind.dialect.name == "postgresql" else "BLOB"
    add_missing_columns(bind, [
        ("voting_member", "org_key", "VARCHAR"),
        ("voting_vote", "leaf", binary),
        ("voting_vote", "annulled", "BIGINT"),
    ])
    fill_leaves(bind)


def downgrade() -> None:
    pass
