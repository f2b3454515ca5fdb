"""Each vote keeps its ballot id (the order of its leaf in `ballots_root`): a
report reads the votes alone, not every vote's ballot through the ballots' key.

Earlier votes get theirs from their ballots here (services/voting/schema.py).
A vote a replica of an earlier release stores meanwhile has none; a report
finds it in its ballot (store.counted).
"""

from alembic import op

from services.voting.schema import fill_ballot_ids
from shared.schema import add_missing_columns

revision = "voting_0003"
down_revision = "voting_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    add_missing_columns(bind, [("voting_vote", "ballot_id", "VARCHAR")])
    fill_ballot_ids(bind)


def downgrade() -> None:
    pass
