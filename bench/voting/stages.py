"""`uv run python -m bench.voting.stages`: a ballot's steps in the voting service, one by one, in one process.

The service's own code on the benchmark's ballots (`bench.voting.scenario`),
by batches as the lane hands them over, without a server or a database:
what each step costs a ballot, with nothing else sharing the interpreter
lock. Steps 1 to 4 run on the service's event loop, 5 and 6 on its
ledger's thread:

1. entries: an XREADGROUP reply's entries as `shared.bus.read_group` makes them;
2. read: each entry read or dead-lettered (`shared.reading`, `wire.read`);
3. decide: the batch's ballots with their answer ids and first verdicts;
4. answer: each answer's CloudEvent, as published;
5. row: each answer's row;
6. leaf: each counted vote's leaf of `ballots_root`.

Less noisy than the whole service's figures (`python -m bench.voting`), and
blind to what the two threads cost each other; compare trees run by turns.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any, cast

from bench.voting import scenario
from services.voting import domain
from services.voting.adapters import wire
from services.voting.adapters.ledger import Ledger
from services.voting.adapters.projection import Projection
from services.voting.ballots import BallotDesk
from services.voting.domain import merkle
from services.voting.handler import restore_interpreter, tune_interpreter
from shared import bus, topology
from shared.contest import load_contest
from shared.context import ServiceContext
from shared.reading import read_or_deadletter
from shared.settings import Settings

STEPS = ("entries", "read", "decide", "answer", "row", "leaf")


def desk(members: int) -> BallotDesk:
    """A ballot desk whose registry holds the scenario's members, entries and list, read as the service reads them."""
    projection = Projection(cast(Any, None))
    for raw in scenario.members(members):
        projection._apply(topology.IN_STAKEHOLDERS, raw)
    for raw in scenario.entries():
        projection._apply(topology.OUT_SUBMISSION, raw)
    projection._apply(topology.OUT_JUDGING, scenario.nominee_list())
    assert len(projection.members) == members and projection.nominees is not None
    ctx = ServiceContext("voting", "wsis-prizes/voting", Settings(replay=True), load_contest(), cast(Any, None))
    return BallotDesk(ctx, cast(Ledger, None), projection)


def measure(ballots: int, members: int, batch: int, rounds: int) -> dict[str, float]:
    """Microseconds a ballot by step, the best of `rounds` passes over the ballots."""
    ballot_desk = desk(members)
    raws = list(scenario.ballots(ballots, members))
    ids = [b"%d-0" % (1_700_000_000_000 + n) for n in range(ballots)]
    before = tune_interpreter()  # as the service does once its registry is loaded
    try:
        return _passes(ballot_desk, raws, ids, batch, rounds)
    finally:
        restore_interpreter(before)


def _passes(ballot_desk: BallotDesk, raws: list[bytes], ids: list[bytes], batch: int, rounds: int) -> dict[str, float]:
    accepts = topology.VOTING.accepts
    now = domain.micros(datetime.now(UTC))
    ballots = len(raws)
    best = dict.fromkeys(STEPS, float("inf"))
    clock = time.perf_counter
    for _ in range(rounds):
        spent = dict.fromkeys(STEPS, 0.0)
        for start in range(0, ballots, batch):
            reply = [(entry_id, [bus.DATA_FIELD, raw]) for entry_id, raw in zip(ids[start : start + batch], raws[start : start + batch], strict=True)]
            t0 = clock()
            entries = bus.parsed_entries(topology.IN_BALLOTS, reply)
            t1 = clock()
            readable, _ = read_or_deadletter(entries, accepts, ballot_desk.source, wire.read)
            t2 = clock()
            decided = ballot_desk._ballots(readable, now)
            t3 = clock()
            rows = [ballot_desk._row(ballot) for ballot in decided if ballot.verdict is not domain.HOLD]
            t4 = clock()
            [ballot_desk._answer(row, None) for row in rows]
            t5 = clock()
            [merkle.leaf(row.ballot_id, row.category, row.project_id) for row in rows if row.reason is None]  # type: ignore[arg-type]
            t6 = clock()
            for step, seconds in zip(STEPS, (t1 - t0, t2 - t1, t3 - t2, t5 - t4, t4 - t3, t6 - t5), strict=True):
                spent[step] += seconds
        for step in STEPS:
            best[step] = min(best[step], spent[step] * 1e6 / ballots)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.voting.stages")
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=4_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best = measure(args.ballots, args.members, args.batch, args.rounds)
    print(" | ".join(f"{step} {best[step]:.2f}" for step in STEPS), f"| all {sum(best.values()):.2f} µs a ballot")


if __name__ == "__main__":
    main()
