"""A report's count made from the last one's (reports.Folds, SQLite) equals the count of every vote, whatever came between."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from services.voting import reports, store
from services.voting.domain import merkle
from shared.db import create_tables, make_engine

WEEK = 7 * 86_400 * 1_000_000


@pytest.fixture
def path(tmp_path: Path) -> str:
    engine = make_engine("voting", tmp_path)
    create_tables(engine, store.TABLES)
    engine.dispose()
    return str(tmp_path / "db" / "voting.sqlite")


def connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    return db


class Votes:
    """Votes stored as the ledger stores them, by a writer of its own."""

    def __init__(self, db: sqlite3.Connection, rng: random.Random) -> None:
        self.db, self.rng, self.n = db, rng, 0

    def add(self, count: int, earliest: int, latest: int) -> None:
        rows = []
        for _ in range(count):
            self.n += 1
            ballot, category, project = f"b-{self.rng.getrandbits(40):010x}", 1 + self.n % 3, f"p-{self.rng.randrange(4)}"
            voter = f"v-{self.n}"
            leaf = merkle.leaf(ballot, category, project)
            rows.append((voter, category, self.n.to_bytes(16, "big"), project, self.rng.randrange(earliest, latest), leaf, ballot))
        self.db.executemany(
            "INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us, leaf, ballot_id) VALUES (?, ?, ?, ?, ?, ?, ?)", rows
        )

    def annul(self) -> None:
        voter = f"v-{self.rng.randrange(1, self.n + 1)}"
        self.db.execute("UPDATE voting_vote SET annulled = 1 WHERE voter_id = ? AND annulled IS NULL", (voter,))
        self.db.execute(
            "INSERT INTO voting_annulment (event_id, decided_at, voter_ids, outcome, votes_annulled) VALUES (?, '2021-03-20', ?, 'annulled', 1)",
            (f"a-{self.n}", f'["{voter}"]'),
        )


def both(db: sqlite3.Connection, folds: reports.Folds, cut: int) -> tuple[reports.Fold, reports.Fold]:
    """The fold from the last one's and the fold of every vote, on one snapshot."""
    db.execute("BEGIN")
    try:
        mark = store.annulments_mark(db)
        return folds.fold(db, False, cut, mark), reports.fold(db, False, cut)
    finally:
        db.execute("ROLLBACK")


@pytest.mark.parametrize("seed", range(6))
def test_each_fold_from_the_last_counts_what_a_count_of_every_vote_counts(path: str, seed: int) -> None:
    rng = random.Random(seed)
    writer, reader = connect(path), connect(path)
    votes, folds = Votes(writer, rng), reports.Folds()
    for week in range(1, 6):
        cut = week * WEEK
        votes.add(rng.randrange(20, 60), cut - WEEK, cut)  # the week's votes
        votes.add(rng.randrange(0, 10), cut, cut + WEEK)  # the next week's, already in
        writer.execute("BEGIN IMMEDIATE")
        votes.add(rng.randrange(0, 10), 0, cut)  # late ones, stored as the report is counted: not in its snapshot
        ahead, every = both(reader, folds, cut)
        writer.execute("COMMIT")
        assert ahead == every
        if rng.random() < 0.3:
            votes.annul()
        if rng.random() < 0.3:  # the tick's transaction counts again (the last week and the close share a cut)
            again, every = both(reader, folds, cut)
            assert again == every
    last, every = both(reader, folds, 6 * WEEK)
    assert last == every


def test_a_fold_at_an_earlier_cut_or_after_an_annulment_counts_every_vote(path: str) -> None:
    rng = random.Random(7)
    db = connect(path)
    votes, folds = Votes(db, rng), reports.Folds()
    votes.add(50, 0, 3 * WEEK)
    for cut in (2 * WEEK, WEEK):  # then one earlier than the last fold's cut
        made, every = both(db, folds, cut)
        assert made == every
    votes.annul()
    made, every = both(db, folds, 3 * WEEK)
    assert made == every
