"""`uv run python -m bench.eligibility`: screening throughput and how the duplicate search scales.

For each size (1,000 then 10,000 entries by default): a fresh embedded
Valkey stream pre-filled with generated `wsis.submission.received` events
(2% exact copies, 2% near copies, 1% French or Spanish; see generate.py),
then the eligibility service (in this process, SQLite under a temp dir, as
`wsis run eligibility` builds it) from start to an empty backlog. Reported:
entries per second, the duplicate search's cost per entry (LSH lookup of
the neighbours, signature estimate and exact check of the candidates, and
the upkeep of the band index), and what the rules found.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import cast

import psutil
from redis.asyncio import Redis

from bench.eligibility.generate import Mix, entries
from bench.eligibility.timing import Timer
from services.eligibility.app import build
from shared import topology
from shared.settings import Settings
from wsis.embedded import EmbeddedValkey

# The bench's clients do not decode replies: entry ids and fields are bytes.
Entries = list[tuple[bytes, dict[bytes, bytes]]]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.eligibility")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--batch", type=int, default=500, help="entries read per batch (WSIS_BATCH_SIZE)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


async def prefill(redis: Redis, bodies: list[bytes]) -> None:
    for start in range(0, len(bodies), 1000):
        async with redis.pipeline(transaction=False) as pipe:
            for body in bodies[start : start + 1000]:
                pipe.xadd(topology.OUT_SUBMISSION, {b"__data__": body})
            await pipe.execute()


async def drained(redis: Redis, expected: int, timeout: float = 900) -> None:
    """Until every entry is screened and acknowledged; a dead letter or a stall stops the run."""
    deadline = time.monotonic() + timeout
    while True:
        if await redis.xlen(topology.DEADLETTER):
            (_, fields), *_ = cast(Entries, await redis.xrange(topology.DEADLETTER, count=1))
            raise RuntimeError(f"an entry was dead-lettered: {json.loads(fields[b'__data__'])['data']['error']}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"not drained after {timeout} s")
        groups = [g for g in await redis.xinfo_groups(topology.OUT_SUBMISSION) if g["name"] == b"eligibility"]
        if groups and groups[0]["lag"] == 0 and groups[0]["pending"] == 0 and await redis.xlen(topology.OUT_ELIGIBILITY) >= expected:
            return
        await asyncio.sleep(0.05)


async def findings(redis: Redis, mix: Mix) -> dict[str, dict[str, int]]:
    """Per generated kind: how many entries, and what S4 and S10 said of them (last verdict)."""
    last: dict[str, dict] = {}
    rescreens = 0
    for _, fields in cast(Entries, await redis.xrange(topology.OUT_ELIGIBILITY)):
        event = json.loads(fields[b"__data__"])
        rescreens += event["causationid"] != f"received-{event['subject']}"
        last[event["subject"]] = event["data"]
    found: dict[str, dict[str, int]] = {"all": {"screened": len(last), "rescreened": rescreens}}
    for sid, data in last.items():
        tally = found.setdefault(mix.kinds[sid], {"entries": 0})
        tally["entries"] += 1
        results = {r["rule"].split(".")[0]: r["result"] for r in data["rules"]}
        for rule in ("S4", "S10"):
            if results[rule] != "pass":
                key = f"{rule} {results[rule]}"
                tally[key] = tally.get(key, 0) + 1
        found["all"][data["outcome"]] = found["all"].get(data["outcome"], 0) + 1
    return found


def cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


async def run(size: int, args: argparse.Namespace, server: EmbeddedValkey, work: Path) -> dict:
    redis = Redis.from_url(server.url)
    await redis.flushall()
    mix = Mix()
    bodies = entries(size, args.seed, mix)
    await prefill(redis, bodies)
    settings = Settings(redis_url=server.url, data_dir=work / f"data-{size}", replay=True, batch_size=args.batch,
                        log_level="WARNING", log_format="json")  # fmt: skip
    timer = Timer.install()
    service = build(settings)
    started = time.perf_counter()
    valkey = psutil.Process(server.process.pid) if server.process else None
    async with service.app:
        ready, cpu, valkey_cpu = time.perf_counter(), time.process_time(), cpu_seconds(valkey)
        await drained(redis, size)
        done, cpu, valkey_cpu = time.perf_counter(), time.process_time() - cpu, cpu_seconds(valkey) - valkey_cpu
    timer.uninstall()
    found = await findings(redis, mix)
    await redis.aclose()
    seconds = done - ready
    return {
        "entries": size,
        "startup_seconds": round(ready - started, 2),
        "seconds": round(seconds, 2),
        "entries_per_second": round(size / seconds, 1),
        # CPU time does not depend on what else runs on the machine
        "cpu_ms_per_entry": round(cpu / size * 1000, 2),
        "valkey_cpu_ms_per_entry": round(valkey_cpu / size * 1000, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "duplicate_search": timer.summary(last=min(1000, size)),
        "found": found,
    }


def report(results: list[dict]) -> None:
    for r in results:
        d = r["duplicate_search"]
        print(f"\n{r['entries']:>6} entries: {r['seconds']} s, {r['entries_per_second']} entries/s (start-up {r['startup_seconds']} s); "
              f"CPU {r['cpu_ms_per_entry']} ms an entry (Valkey {r['valkey_cpu_ms_per_entry']} ms); load average after {r['load_average']}")
        for kind, tally in r["found"].items():
            print(f"        {kind:>10}: {tally}")
        print(f"        duplicate search per entry: {d['mean_us']} us on average, {d['last_mean_us']} us over the last {d['last']}"
              f" (lookup {d['lookup_us']} us, check {d['check_us']} us, index upkeep {d['upkeep_us']} us; {d['candidates']} candidates checked exactly per entry)")  # fmt: skip
    if len(results) >= 2:
        small, large = results[0]["duplicate_search"], results[-1]["duplicate_search"]
        print(f"\nduplicate search, cost per entry at {results[-1]['entries']} (last {large['last']}) over cost per entry at {results[0]['entries']}: "
              f"{large['last_mean_us'] / small['mean_us']:.2f}x (entries x{results[-1]['entries'] / results[0]['entries']:.0f})")  # fmt: skip


async def main(args: argparse.Namespace) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="wsis-bench-eligibility-"))
    server = EmbeddedValkey(work, extra_config={"appendonly": "no"}).start()
    try:
        print(f"machine: {os.cpu_count()} cpus, load before {os.getloadavg()[0]:.2f}; work dir {work}")
        return [await run(size, args, server, work) for size in args.sizes]
    finally:
        server.stop()


if __name__ == "__main__":
    options = arguments()
    figures = asyncio.run(main(options))
    report(figures)
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))
