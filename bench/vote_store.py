"""`uv run python -m bench.vote_store [--votes 200000]`: the ledger storing accepted votes alone.

CPU of `Ledger.add_votes` (the vote rows, with their `ballots_root` leaf),
4,000 votes a transaction, into a fresh SQLite store: the part of the
ballot path that the leaf adds to. Run it in two trees to compare them.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from pathlib import Path

from services.voting import store
from services.voting.adapters.ledger import Ledger
from shared.db import create_tables, make_engine

BATCH = 4000


def answers(count: int) -> list[store.Answer]:
    rng = random.Random(7)
    return [
        store.Answer(uuid.UUID(int=rng.getrandbits(128)).bytes, str(uuid.UUID(int=rng.getrandbits(128))), f"user-{n:07d}",
                     1 + n % 18, f"sub-{rng.randrange(360):04d}", None, 1_614_600_000_000_000 + n)
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.vote_store")
    parser.add_argument("--votes", type=int, default=200_000)
    args = parser.parse_args()
    rows = answers(args.votes)
    engine = make_engine("voting", Path(tempfile.mkdtemp(prefix="wsis-bench-votes-")), None)
    create_tables(engine, store.TABLES)
    ledger = Ledger(engine)
    cpu, wall = 0.0, time.perf_counter()
    for start in range(0, len(rows), BATCH):
        began = time.process_time()
        with ledger.transaction() as cur:
            ledger.add_votes(cur, rows[start : start + BATCH])
        cpu += time.process_time() - began
    ledger.close()
    print(f"{args.votes:,} votes stored: {cpu / args.votes * 1e6:.2f} µs of CPU a vote, {time.perf_counter() - wall:.1f} s")


if __name__ == "__main__":
    main()
