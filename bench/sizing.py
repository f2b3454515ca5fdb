"""`uv run python -m bench.sizing`: memory and disk a million ballots take.

The voting service (`wsis run voting`, SQLite) on a fresh embedded Valkey
(persistence off): the members and the nominee list first, then N ballots
of the voting benchmark's contest (5% break a rule), to the last answer.
Measured after each phase, so the ballots' share stands apart from the
members': the ballot stream and the answer stream (`MEMORY USAGE`, every
node sampled), the server's `used_memory`, and the voting database on disk
(its file and write-ahead log, checkpointed). Figures are scaled to a
million ballots; the other services' databases grow with entries and
emails, not with ballots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from bench.voting import scenario
from bench.voting.service_run import ServiceProcess, run_ballots, wait_drained
from shared import topology
from wsis.embedded import EmbeddedValkey

if TYPE_CHECKING:
    import psutil

MB = 2**20


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sizing")
    parser.add_argument("--ballots", type=int, default=200_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=4000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


async def memory(redis: Redis) -> dict[str, float]:
    """Bytes each stream of interest takes, and the server's whole dataset."""
    figures = {"used_memory": (await redis.info("memory"))["used_memory"]}
    for stream in (topology.IN_STAKEHOLDERS, topology.IN_BALLOTS, topology.OUT_VOTING):
        figures[stream] = await redis.memory_usage(stream, samples=0) or 0
    return figures


def database_bytes(data_dir: Path) -> int:
    """The voting database's size once its write-ahead log is folded in."""
    path = data_dir / "db" / "voting.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob("voting.sqlite*"))


def per_million(before: dict[str, float], after: dict[str, float], ballots: int) -> dict[str, float]:
    return {key: round((after[key] - before[key]) / ballots * 1e6 / MB, 1) for key in after}


async def main(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="wsis-bench-sizing-"))
    data_dir = work / "data"
    server = EmbeddedValkey(work, extra_config={"appendonly": "no"}).start()
    redis = Redis.from_url(server.url)
    results: dict = {"ballots": args.ballots, "members": args.members}
    try:
        await scenario.fill_registry(redis, args.members)
        service = ServiceProcess(server.url, data_dir, args.batch, work / "voting.log")
        await wait_drained(redis, topology.IN_STAKEHOLDERS, service)
        service.stop()  # the database file is checked with nobody writing
        members_memory, members_db = await memory(redis), database_bytes(data_dir)

        started = time.perf_counter()
        await scenario.fill(redis, topology.IN_BALLOTS, scenario.ballots(args.ballots, args.members))
        service = ServiceProcess(server.url, data_dir, args.batch, work / "voting.log")
        await run_ballots(redis, service, args.ballots, server_process(server))
        await wait_drained(redis, topology.IN_BALLOTS, service)
        service.stop()
        results["seconds"] = round(time.perf_counter() - started, 1)
        ballots_memory, ballots_db = await memory(redis), database_bytes(data_dir)
    finally:
        await redis.aclose()
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # the measured database; the service's log stays
    results["log"] = str(work / "voting.log")
    results["members_mb"] = {**{k: round(v / MB, 1) for k, v in members_memory.items()}, "voting.sqlite": round(members_db / MB, 1)}
    results["per_million_ballots_mb"] = {
        **per_million(members_memory, ballots_memory, args.ballots),
        "voting.sqlite": round((ballots_db - members_db) / args.ballots * 1e6 / MB, 1),
    }
    return results


def server_process(server: EmbeddedValkey) -> psutil.Process:
    import psutil

    assert server.process is not None
    return psutil.Process(server.process.pid)


if __name__ == "__main__":
    arguments_ = arguments()
    figures = asyncio.run(main(arguments_))
    print(json.dumps(figures, indent=2))
    if arguments_.json:
        arguments_.json.write_text(json.dumps(figures, indent=2))
