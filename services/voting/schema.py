"""What a vote stored by an earlier release lacks, filled in once from its ballot.

Schema revision `voting_0002` (services/voting/migrations/) adds the vote's
`leaf` and `annulled` columns to an earlier store, NULL for its rows: every
earlier vote counts, and its leaf is hashed here from its ballot, in the same
revision, so a report never hashes a leaf again. Revision `voting_0003` adds
the vote's `ballot_id`, copied here from its ballot, so a report reads the
votes alone.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from services.voting.domain import merkle

FILL_CHUNK = 10_000
_MISSING = text(
    "SELECT v.voter_id, v.category, b.ballot_id, v.project_id FROM voting_vote AS v "
    "JOIN voting_ballot AS b ON b.key = v.ballot_key WHERE v.leaf IS NULL LIMIT :n"
)
_FILL = text("UPDATE voting_vote SET leaf = :leaf WHERE voter_id = :voter AND category = :category")
_BALLOT_IDS = text(
    "UPDATE voting_vote SET ballot_id = (SELECT b.ballot_id FROM voting_ballot AS b WHERE b.key = voting_vote.ballot_key) "
    "WHERE ballot_id IS NULL"
)


def fill_ballot_ids(conn: Connection) -> int:
    """Copy each vote's ballot id from its ballot where the vote has none; how many were."""
    return conn.execute(_BALLOT_IDS).rowcount


def fill_leaves(bind: Engine | Connection) -> int:
    """Hash the leaf of every vote that has none, a chunk at a time; how many were filled.

    On an engine each chunk commits on its own; on a connection (the schema
    revision) all go in the caller's transaction.
    """
    filled = 0
    while True:
        if isinstance(bind, Connection):
            done = _fill_chunk(bind)
        else:
            with bind.begin() as conn:
                done = _fill_chunk(conn)
        if not done:
            return filled
        filled += done


def _fill_chunk(conn: Connection) -> int:
    rows = conn.execute(_MISSING, {"n": FILL_CHUNK}).all()
    if rows:
        conn.execute(_FILL, [
            {"leaf": merkle.leaf(ballot_id, category, project), "voter": voter, "category": category}
            for voter, category, ballot_id, project in rows
        ])
    return len(rows)
