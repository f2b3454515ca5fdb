"""`uv run python -m bench.store_tiers [--ballots 1200000] [--fold-every 100000]`: one table or two tiers.

The voting ledger's inserts slow down as the store grows: ballot ids and
voters arrive in random order, so each batch touches more pages of the two
unique indexes (`voting_ballot.key`, `voting_vote(voter_id, category)`).
This measures whether a two-tier store would pay for itself on SQLite: new
ballots and votes go into small tables of the same schema (`*_new`), each
batch looks keys up in both tiers, and every `--fold-every` ballots the
small tables are folded into the large ones in key order and emptied.

Both variants take the same synthetic batches of 4,000 ballots (200,000
voters, 18 categories), one transaction a batch, through the service's own
`Ledger` (its connection's settings, its checkpointer thread and the
catch-up between two transactions that keeps the log bounded, its inserts
and look-ups); the CPU is the inserting thread's, by segment of 200,000
ballots, the folds included.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from services.voting import store
from services.voting.adapters.ledger import BALLOT_COLUMNS, VOTES, Ledger, Table, vote_rows
from shared.db import create_tables, make_engine
from shared.logs import configure_logging

BATCH = 4000
SEGMENT = 200_000
TABLES = ("voting_ballot", "voting_vote")
PAIR = ("voter_id", "category")


def open_ledger(tiers: bool) -> Ledger:
    """The service's ledger on a fresh store (its connection's settings, its checkpointer); with
    `tiers`, the small tables beside the large ones."""
    engine = make_engine("voting", Path(tempfile.mkdtemp(prefix="wsis-bench-tiers-")), None)
    create_tables(engine, store.TABLES)
    ledger = Ledger(engine)
    if tiers:
        for table in TABLES:  # the same columns and keys, under another name
            (sql,) = ledger.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
            ledger.db.execute(sql.replace(table, f"{table}_new", 1))
    return ledger


def batch(rng: random.Random, at: int) -> list[store.Answer]:
    return [
        store.Answer(uuid.UUID(int=rng.getrandbits(128)).bytes, str(uuid.UUID(int=rng.getrandbits(128))),
                     f"m-{rng.randrange(200_000):06d}", 1 + rng.randrange(18), f"p-{rng.randrange(360):03d}", None, at)
        for _ in range(BATCH)
    ]  # fmt: skip


def store_batch(ledger: Ledger, cur: Any, rows: list[store.Answer], tiers: bool) -> None:
    """A batch as the ledger stores it (its inserts, every ballot counted); with `tiers`, the keys the
    large tables hold are looked up first and the rest go into the small ones."""
    first: dict[tuple[str, int], store.Answer] = {}
    for row in rows:
        first.setdefault((row.voter_id, row.category), row)  # type: ignore[arg-type]  # synthetic rows: both set
    votes = vote_rows(list(first.values()))
    if not tiers:
        ledger.add_answers(cur, rows)
        ledger.insert(cur, ledger.chunks(VOTES, votes))
        return
    held = ledger._taken(cur, "voting_ballot", ("key",), [row.key for row in rows])
    ledger.insert(cur, ledger.chunks(Table("voting_ballot_new", BALLOT_COLUMNS, ("key",), 0), [row for row in rows if row.key not in held]))
    voted = ledger._taken(cur, "voting_vote", PAIR, [vote[:2] for vote in votes])
    ledger.insert(cur, ledger.chunks(VOTES._replace(name="voting_vote_new"), [vote for vote in votes if vote[:2] not in voted]))


def fold(cur: Any) -> None:
    """The small tables into the large ones, in key order, then emptied (in the caller's transaction)."""
    cur.execute("INSERT INTO voting_ballot SELECT * FROM voting_ballot_new ORDER BY key")
    cur.execute("INSERT INTO voting_vote SELECT * FROM voting_vote_new ORDER BY voter_id, category")
    cur.execute("DELETE FROM voting_ballot_new")
    cur.execute("DELETE FROM voting_vote_new")


def run(ballots: int, fold_every: int | None) -> tuple[float, tuple[int, int]]:
    """µs of CPU a ballot, and (ballots, votes) stored in all (both tiers)."""
    tiers = fold_every is not None
    name = f"two tiers, folded every {fold_every:,}" if tiers else "one table"
    ledger = open_ledger(tiers)
    rng = random.Random(7)
    total = segment = folding = 0.0
    for start in range(0, ballots, BATCH):
        rows = batch(rng, 1_614_600_000_000_000 + start)
        began = time.thread_time()
        with ledger.transaction() as cur:
            store_batch(ledger, cur, rows, tiers)
        ledger.catch_up()  # as the service does between two transactions: the log stays bounded
        if fold_every and (start + BATCH) % fold_every < BATCH:
            folded = time.thread_time()
            with ledger.transaction() as cur:
                fold(cur)
            ledger.catch_up()
            folding += time.thread_time() - folded
        spent = time.thread_time() - began
        segment += spent
        total += spent
        if (start + BATCH) % SEGMENT < BATCH:
            print(f"{name}: {start + BATCH:>9,} ballots, {segment / SEGMENT * 1e6:5.1f} µs a ballot (folds {folding / SEGMENT * 1e6:.1f})", flush=True)
            segment = folding = 0.0
    stored = tuple(
        sum(ledger.db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0] for name in ([table, f"{table}_new"] if tiers else [table]))
        for table in TABLES
    )
    ledger.close()
    return total / ballots * 1e6, (stored[0], stored[1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.store_tiers")
    parser.add_argument("--ballots", type=int, default=1_200_000)
    parser.add_argument("--fold-every", type=int, default=100_000)
    args = parser.parse_args()
    configure_logging("bench")  # the checkpointer's passes are debug lines
    one, stored = run(args.ballots, None)
    two, stored_in_tiers = run(args.ballots, args.fold_every)
    assert stored == stored_in_tiers, f"the two stores differ: {stored} against {stored_in_tiers}"
    print(f"{args.ballots:,} ballots ({stored[1]:,} votes): one table {one:.1f} µs a ballot, two tiers {two:.1f} (folds included)")


if __name__ == "__main__":
    main()
