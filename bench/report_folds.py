"""`uv run python -m bench.report_folds [--votes 1160000]`: the voting week's reports counted on SQLite.

A fresh store gets `--votes` accepted votes spread over the five voting
weeks, a week's stored after the week before. Then the five weekly reports
(the last one's fold is the close's too) are counted twice, by turns: each
from every vote (`reports.fold`, what PostgreSQL does), and each from the
last one's (`reports.Folds`). Prints the CPU-seconds of each way and checks
that both give the same tallies and `ballots_root`s. (Late votes, stored
after a report's snapshot, are `tests/integration/test_voting_folds.py`'s.)
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from services.voting import reports, store
from services.voting.domain import merkle
from shared.db import create_tables, make_engine

WEEK_US = 7 * 86_400 * 1_000_000
WEEKS = 5


def fill(path: Path, votes: int, rng: random.Random) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    per_week = votes // WEEKS
    n = 0
    for week in range(WEEKS):
        rows = []
        for _ in range(per_week):
            n += 1
            at = week * WEEK_US + rng.randrange(WEEK_US)
            ballot, category, project = f"{rng.getrandbits(128):032x}", 1 + n % 18, f"sub-{rng.randrange(360):04d}"
            rows.append((f"user-{n:07d}", category, n.to_bytes(16, "big"), project, at, merkle.leaf(ballot, category, project), ballot))
        rows.sort(key=lambda row: row[4])
        db.execute("BEGIN")
        db.executemany("INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us, leaf, ballot_id) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
    db.close()


def count(path: Path, cuts: list[int], from_the_last: bool) -> tuple[float, list[reports.Fold]]:
    db: Any = sqlite3.connect(path, isolation_level=None)  # the driver's connection, as the ledger's
    folds = reports.Folds()
    made = []
    started = time.process_time()
    for cut in cuts:
        db.execute("BEGIN")
        mark = store.annulments_mark(db)
        made.append(folds.fold(db, False, cut, mark) if from_the_last else reports.fold(db, False, cut))
        db.execute("ROLLBACK")
    spent = time.process_time() - started
    db.close()
    return spent, made


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report_folds")
    parser.add_argument("--votes", type=int, default=1_160_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="wsis-bench-folds-"))
    engine = make_engine("voting", data, None)
    create_tables(engine, store.TABLES)
    engine.dispose()
    path = data / "db" / "voting.sqlite"
    fill(path, args.votes, random.Random(7))
    cuts = [week * WEEK_US for week in range(1, WEEKS + 1)]
    for round_ in range(1, args.rounds + 1):
        every, a = count(path, cuts, from_the_last=False)
        last, b = count(path, cuts, from_the_last=True)
        assert a == b, "the two ways differ"
        print(f"round {round_}: {len(cuts)} reports over {args.votes:,} votes: every vote {every:.2f} CPU-s, from the last {last:.2f} CPU-s")


if __name__ == "__main__":
    main()
