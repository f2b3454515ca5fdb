"""`uv run python -m bench.merkle [--leaves 1300000]`: what a report's `ballots_root` costs.

Times, for the 2021 contest's 1.3 million votes: hashing every leaf (done
once per vote, when it is stored), ordering them by ballot id, and the fold
a report does (`services.voting.domain.merkle.root`), plus one proof.
"""

from __future__ import annotations

import argparse
import time
import uuid

from services.voting.domain import merkle


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.merkle")
    parser.add_argument("--leaves", type=int, default=1_300_000)
    args = parser.parse_args()
    ids = [str(uuid.UUID(int=n * 0x9E3779B97F4A7C15 % 2**128)) for n in range(args.leaves)]

    started = time.process_time()
    votes = [(ballot_id, merkle.leaf(ballot_id, 1 + n % 18, f"p-{n % 360:03}")) for n, ballot_id in enumerate(ids)]
    hashed = time.process_time() - started

    started = time.process_time()
    leaves = merkle.ordered(votes)
    ordering = time.process_time() - started

    started = time.process_time()
    root = merkle.root(leaves)
    folded = time.process_time() - started

    started = time.process_time()
    steps = merkle.proof(leaves, len(leaves) // 3)
    proved = time.process_time() - started
    assert merkle.verify(leaves[len(leaves) // 3], steps, root)

    print(f"leaves: {args.leaves:,}  root: {root.hex()}")
    print(f"leaf hashes (once per vote): {hashed:.2f} s CPU, {hashed / args.leaves * 1e6:.2f} µs a vote")
    print(f"order by ballot id:          {ordering:.2f} s CPU")
    print(f"fold to the root:            {folded:.2f} s CPU")
    print(f"one proof ({len(steps)} steps):       {proved:.2f} s CPU")


if __name__ == "__main__":
    main()
