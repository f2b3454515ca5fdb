"""Votes stored before `ballots_root` get their leaf once at start; an annulled vote counts nowhere (both databases)."""

from __future__ import annotations

from sqlalchemy import text

from services.voting import schema, store
from services.voting.domain import merkle
from shared.db import create_tables, make_engine

CUT = 2**62


def store_with_a_vote_without_leaf(engine) -> None:
    """A vote as revision voting_0002 leaves an earlier one: `leaf` and `annulled` NULL."""
    create_tables(engine, store.TABLES)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO voting_ballot (key, ballot_id, voter_id, category, project_id, reason, at_us) VALUES (:k, 'b-é', 'v-1', 4, 'p-1', NULL, 5)"),
            {"k": b"k" * 16},
        )
        conn.execute(
            text("INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us) VALUES ('v-1', 4, :k, 'p-1', 5)"),
            {"k": b"k" * 16},
        )


def test_a_vote_stored_before_leaves_gets_its_leaf_once(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    store_with_a_vote_without_leaf(engine)
    with engine.connect() as conn:  # a report before the fill hashes the leaf itself
        assert store.counted_leaves(conn, CUT) == [("b-é", merkle.leaf("b-é", 4, "p-1"))]

    filled, again = schema.fill_leaves(engine), schema.fill_leaves(engine)

    assert (filled, again) == (1, 0)
    with engine.connect() as conn:
        (leaf, annulled), = conn.execute(text("SELECT leaf, annulled FROM voting_vote")).all()
        assert bytes(leaf) == merkle.leaf("b-é", 4, "p-1") and annulled is None
        assert store.counted_leaves(conn, CUT) == [("b-é", merkle.leaf("b-é", 4, "p-1"))]
        assert store.tally(conn, CUT) == {4: {"p-1": (1, 5)}}
    engine.dispose()


def test_an_annulled_vote_counts_in_neither_the_tally_nor_the_root(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    store_with_a_vote_without_leaf(engine)
    schema.fill_leaves(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE voting_vote SET annulled = 7"))

    with engine.connect() as conn:
        assert store.tally(conn, CUT) == {} and store.counted_leaves(conn, CUT) == []
        assert merkle.root(merkle.ordered(store.counted_leaves(conn, CUT))) == merkle.EMPTY
    engine.dispose()


def test_only_votes_timed_before_the_cut_off_count(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    store_with_a_vote_without_leaf(engine)

    with engine.connect() as conn:
        assert store.counted_leaves(conn, 5) == [] and store.tally(conn, 5) == {}
        assert len(store.counted_leaves(conn, 6)) == 1
    engine.dispose()
