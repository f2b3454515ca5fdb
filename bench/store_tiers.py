"""`uv run python -m bench.store_tiers [--ballots 1200000] [--fold-every 100000]`: one table or two tiers.

The voting ledger's inserts slow down as the store grows: ballot ids and
voters arrive in random order, so each batch touches more pages of the two
unique indexes (`voting_ballot.key`, `voting_vote(voter_id, category)`).
This measures whether a two-tier store would pay for itself on SQLite: new
ballots and votes go into small tables of the same schema (`*_new`), each
batch looks keys up in both tiers, and every `--fold-every` ballots the
small tables are folded into the large ones in key order and emptied.

Both variants take the same synthetic batches of 4,000 ballots (200,000
voters, 18 categories), one transaction a batch, the rows as one JSON
document and the taken pairs as one row, as the ledger sends them; the CPU
is the inserting thread's, by segment of 200,000 ballots, the folds
included. Only the schema is the service's (created from `services.voting.store`).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

from services.voting import store
from shared.db import create_tables, make_engine

BATCH = 4000
SEGMENT = 200_000
TABLES = ("voting_ballot", "voting_vote")
BALLOTS = "SELECT substr(?1, j.key * 16 + 1, 16), j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5 FROM json_each(?2) AS j WHERE true"
VOTES = (
    "SELECT j.value->>0, j.value->>1, substr(?1, j.key * 16 + 1, 16), j.value->>2, j.value->>3, substr(?3, j.key * 32 + 1, 32), NULL, j.value->>4 "
    "FROM json_each(?2) AS j WHERE true"
)
Row = tuple[bytes, str, str, int, str, None, int]


def connect(tiers: bool) -> tuple[sqlite3.Connection, Path]:
    engine = make_engine("voting", Path(tempfile.mkdtemp(prefix="wsis-bench-tiers-")), None)
    create_tables(engine, store.TABLES)
    path = Path(str(engine.url.database))
    engine.dispose()
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -131072", "temp_store = MEMORY", "wal_autocheckpoint = 0"):
        db.execute(f"PRAGMA {pragma}")
    if tiers:
        for table in TABLES:  # the same columns and keys, under another name
            (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
            db.execute(sql.replace(table, f"{table}_new", 1))
    return db, path


def checkpoints(path: Path, stop: threading.Event) -> None:
    """A passive checkpoint a second on a connection of its own, as the service's checkpointer."""
    conn = sqlite3.connect(path, isolation_level=None)
    while not stop.wait(1.0):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    conn.close()


def batch(rng: random.Random, at: int) -> list[Row]:
    return [
        (uuid.UUID(int=rng.getrandbits(128)).bytes, str(uuid.UUID(int=rng.getrandbits(128))), f"m-{rng.randrange(200_000):06d}",
         1 + rng.randrange(18), f"p-{rng.randrange(360):03d}", None, at)
        for _ in range(BATCH)
    ]  # fmt: skip


def store_batch(cur: sqlite3.Cursor, rows: list[Row], tiers: bool) -> None:
    """A batch as the ledger stores it: ballots looked up and inserted, first votes looked up and inserted."""
    looked = ["voting_ballot", "voting_ballot_new"] if tiers else ["voting_ballot"]
    into = "_new" if tiers else ""
    keys = b"".join(row[0] for row in rows)
    numbers = orjson.dumps([[n] for n in range(len(rows))])
    for table in looked:
        cur.execute(f"SELECT count(*) FROM (SELECT substr(?1, j.key * 16 + 1, 16) AS k FROM json_each(?2) AS j) AS q JOIN {table} AS b ON b.key = q.k",
                    (keys, numbers)).fetchone()  # fmt: skip
    cur.execute(f"INSERT INTO voting_ballot{into} (key, ballot_id, voter_id, category, project_id, reason, at_us) {BALLOTS}",
                (keys, orjson.dumps([row[1:] for row in rows])))  # fmt: skip
    first: dict[tuple[str, int], Row] = {}
    for row in rows:
        first.setdefault((row[2], row[3]), row)
    pairs = orjson.dumps([list(pair) for pair in first])
    taken: set[tuple[str, int]] = set()
    for table in ["voting_vote", "voting_vote_new"] if tiers else ["voting_vote"]:
        cur.execute(f"SELECT json_group_array(json_array(v.voter_id, v.category)) FROM json_each(?1) AS j "
                    f"JOIN {table} AS v ON v.voter_id = j.value->>0 AND v.category = j.value->>1", (pairs,))  # fmt: skip
        taken |= set(map(tuple, orjson.loads(cur.fetchone()[0])))
    votes = [row for pair, row in first.items() if pair not in taken]
    leaves = b"".join(hashlib.sha256(f"{r[1]}\n{r[3]}\n{r[4]}".encode()).digest() for r in votes)
    cur.execute(f"INSERT INTO voting_vote{into} (voter_id, category, ballot_key, project_id, at_us, leaf, annulled, ballot_id) {VOTES}",
                (b"".join(r[0] for r in votes), orjson.dumps([[r[2], r[3], r[4], r[6], r[1]] for r in votes]), leaves))  # fmt: skip


def fold(cur: sqlite3.Cursor) -> None:
    """The small tables into the large ones, in key order, then emptied: one transaction."""
    cur.execute("BEGIN IMMEDIATE")
    cur.execute("INSERT INTO voting_ballot SELECT * FROM voting_ballot_new ORDER BY key")
    cur.execute("INSERT INTO voting_vote SELECT * FROM voting_vote_new ORDER BY voter_id, category")
    cur.execute("DELETE FROM voting_ballot_new")
    cur.execute("DELETE FROM voting_vote_new")
    cur.execute("COMMIT")


def run(ballots: int, fold_every: int | None) -> tuple[float, tuple[int, int]]:
    """µs of CPU a ballot, and (ballots, votes) stored in all (both tiers)."""
    tiers = fold_every is not None
    name = f"two tiers, folded every {fold_every:,}" if tiers else "one table"
    db, path = connect(tiers)
    stop = threading.Event()
    checkpointer = threading.Thread(target=checkpoints, args=(path, stop), daemon=True)
    checkpointer.start()
    rng = random.Random(7)
    cur = db.cursor()
    total = segment = folding = 0.0
    for start in range(0, ballots, BATCH):
        rows = batch(rng, 1_614_600_000_000_000 + start)
        began = time.thread_time()
        cur.execute("BEGIN IMMEDIATE")
        store_batch(cur, rows, tiers)
        cur.execute("COMMIT")
        if fold_every and (start + BATCH) % fold_every < BATCH:
            folded = time.thread_time()
            fold(cur)
            folding += time.thread_time() - folded
        spent = time.thread_time() - began
        segment += spent
        total += spent
        if (start + BATCH) % SEGMENT < BATCH:
            print(f"{name}: {start + BATCH:>9,} ballots, {segment / SEGMENT * 1e6:5.1f} µs a ballot (folds {folding / SEGMENT * 1e6:.1f})", flush=True)
            segment = folding = 0.0
    stop.set()
    checkpointer.join()
    stored = tuple(
        sum(db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in ([table, f"{table}_new"] if tiers else [table]))
        for table in TABLES
    )
    db.close()
    return total / ballots * 1e6, (stored[0], stored[1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store_tiers")
    parser.add_argument("--ballots", type=int, default=1_200_000)
    parser.add_argument("--fold-every", type=int, default=100_000)
    args = parser.parse_args()
    one, stored = run(args.ballots, None)
    two, stored_in_tiers = run(args.ballots, args.fold_every)
    assert stored == stored_in_tiers, f"the two stores differ: {stored} against {stored_in_tiers}"
    print(f"{args.ballots:,} ballots ({stored[1]:,} votes): one table {one:.1f} µs a ballot, two tiers {two:.1f} (folds included)")


if __name__ == "__main__":
    main()
