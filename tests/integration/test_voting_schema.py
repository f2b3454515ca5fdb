"""Votes stored by an earlier release get their leaf and ballot id once at start; an annulled vote counts nowhere (both databases)."""

from __future__ import annotations

from sqlalchemy import text

from services.voting import schema, store
from services.voting.domain import merkle
from shared.db import create_tables, make_engine

CUT = 2**62


def store_with_a_vote_without_leaf(engine) -> None:
    """A vote as revisions voting_0002 and voting_0003 leave an earlier one: `leaf`, `annulled` and `ballot_id` NULL."""
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
    with engine.connect() as conn:  # a report before the fill hashes the leaf itself and finds the ballot id
        assert store.counted(conn, CUT) == ({4: {"p-1": (1, 5)}}, [("b-é", merkle.leaf("b-é", 4, "p-1"))])

    filled, again = schema.fill_leaves(engine), schema.fill_leaves(engine)
    with engine.begin() as conn:
        copied = schema.fill_ballot_ids(conn)
    with engine.begin() as conn:
        copied_again = schema.fill_ballot_ids(conn)

    assert (filled, again, copied, copied_again) == (1, 0, 1, 0)
    with engine.connect() as conn:
        (leaf, annulled, ballot_id), = conn.execute(text("SELECT leaf, annulled, ballot_id FROM voting_vote")).all()
        assert bytes(leaf) == merkle.leaf("b-é", 4, "p-1") and annulled is None and ballot_id == "b-é"
        assert store.counted(conn, CUT) == ({4: {"p-1": (1, 5)}}, [("b-é", merkle.leaf("b-é", 4, "p-1"))])
    engine.dispose()


def test_the_tally_counts_each_project_and_its_last_vote(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    create_tables(engine, store.TABLES)
    votes = [("v-1", 1, "p-1", 30), ("v-2", 1, "p-1", 10), ("v-3", 1, "p-2", 20), ("v-1", 2, "p-9", 40), ("v-4", 1, "p-1", 99)]
    with engine.begin() as conn:
        for n, (voter, category, project, at) in enumerate(votes):
            conn.execute(
                text("INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us, leaf, ballot_id) "
                     "VALUES (:voter, :category, :key, :project, :at, :leaf, :ballot)"),
                {"voter": voter, "category": category, "key": bytes([n]) * 16, "project": project, "at": at,
                 "leaf": merkle.leaf(f"b-{n}", category, project), "ballot": f"b-{n}"},
            )

    with engine.connect() as conn:
        tally, leaves = store.counted(conn, 50)  # the vote at 99 is after the cut-off

    assert tally == {1: {"p-1": (2, 30), "p-2": (1, 20)}, 2: {"p-9": (1, 40)}}
    assert sorted(leaves) == [(f"b-{n}", merkle.leaf(f"b-{n}", c, p)) for n, (_, c, p, _) in enumerate(votes[:4])]
    engine.dispose()


def test_an_annulled_vote_counts_in_neither_the_tally_nor_the_root(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    store_with_a_vote_without_leaf(engine)
    schema.fill_leaves(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE voting_vote SET annulled = 7"))

    with engine.connect() as conn:
        assert store.counted(conn, CUT) == ({}, [])
        assert merkle.root(merkle.ordered(store.counted(conn, CUT).leaves)) == merkle.EMPTY
    engine.dispose()


def test_only_votes_timed_before_the_cut_off_count(database_url, tmp_path):
    engine = make_engine("voting", tmp_path, database_url)
    store_with_a_vote_without_leaf(engine)

    with engine.connect() as conn:
        assert store.counted(conn, 5) == ({}, [])
        assert len(store.counted(conn, 6).leaves) == 1
    engine.dispose()
