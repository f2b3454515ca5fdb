"""The leaves of votes stored before `ballots_root`, hashed once at start.

Schema revision `voting_0002` (services/voting/migrations/) adds the vote's
`leaf` and `annulled` columns to an earlier store, NULL for its rows: every
earlier vote counts, and its leaf is hashed here from its ballot, so a
report never hashes a leaf again. Replicas starting together may both fill
leaves: they write the same digests.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.voting.domain import merkle

FILL_CHUNK = 10_000
_MISSING = text(
    "SELECT v.voter_id, v.category, b.ballot_id, v.project_id FROM voting_vote AS v "
    "JOIN voting_ballot AS b ON b.key = v.ballot_key WHERE v.leaf IS NULL LIMIT :n"
)
_FILL = text("UPDATE voting_vote SET leaf = :leaf WHERE voter_id = :voter AND category = :category")


def fill_leaves(engine: Engine) -> int:
    """Hash the leaf of every vote that has none (a chunk a transaction); how many were filled."""
    filled = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(_MISSING, {"n": FILL_CHUNK}).all()
            if not rows:
                return filled
            conn.execute(_FILL, [
                {"leaf": merkle.leaf(ballot_id, category, project), "voter": voter, "category": category}
                for voter, category, ballot_id, project in rows
            ])
            filled += len(rows)
