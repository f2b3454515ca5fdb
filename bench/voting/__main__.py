"""`uv run python -m bench.voting`: the voting benchmark, (a) to (d) side by side.

(a) the voting service (`wsis run voting`, a subprocess) from a pre-filled
    ballot stream to the last outcome, peak RSS, then p50/p99 latency from
    publish to outcome at a steady rate;
(b) a FastStream per-message group subscriber with a no-op handler;
(c) a FastStream `batch=True` subscriber with a no-op handler;
(d) `redis-benchmark` pipelined XADD;
all on one embedded Valkey (persistence off, so disk does not blur the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path

import psutil
from redis.asyncio import Redis

from bench.voting import baselines, scenario
from bench.voting.service_run import (
    ServiceProcess,
    run_ballots,
    steady_latency,
    wait_drained,
)
from shared import topology
from shared.settings import Settings
from wsis import backup_db
from wsis.embedded import EmbeddedValkey


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.voting")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=4000, help="service (WSIS_BALLOT_BATCH_SIZE) and (c) batch size")
    parser.add_argument("--per-message", type=int, default=30_000, help="messages (b) reads (it is slow)")
    parser.add_argument("--latency-rate", type=int, default=2_000)
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


async def main(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="wsis-bench-voting-"))
    server = EmbeddedValkey(work, extra_config={"appendonly": "no"}).start()
    redis = Redis.from_url(server.url)
    log = work / "voting.log"
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()}, "batch": args.batch}
    try:
        fresh_database()
        await scenario.fill_registry(redis, args.members)
        service = ServiceProcess(server.url, work / "data", args.batch, log)
        started = time.perf_counter()
        await wait_drained(redis, topology.IN_STAKEHOLDERS, service)
        results["registry"] = {"members": args.members, "seconds": round(time.perf_counter() - started, 1)}
        service.stop()

        started = time.perf_counter()
        await scenario.fill(redis, topology.IN_BALLOTS, scenario.ballots(args.ballots, args.members))
        results["prefill_seconds"] = round(time.perf_counter() - started, 1)

        results["d_redis_benchmark_xadd"] = baselines.redis_benchmark_xadd(server.port)
        results["b_faststream_per_message"] = await baselines.faststream_noop(server.url, "bench-one", args.per_message, batch=None)
        results["c_faststream_batch"] = await baselines.faststream_noop(server.url, "bench-batch", args.ballots, batch=args.batch)
        results["c_faststream_batch_dicts"] = await baselines.faststream_noop(server.url, "bench-dicts", args.ballots, batch=args.batch, model=False)
        # As FASTSTREAM-NOTES measured it: 500 a batch, without hiredis.
        results["c_faststream_batch_notes"] = await baselines.faststream_noop(
            server.url, "bench-notes", args.ballots, batch=500, pure_parser=True
        )

        service = ServiceProcess(server.url, work / "data", args.batch, log)
        assert server.process is not None
        valkey = psutil.Process(server.process.pid)
        results["a_voting_service"] = await run_ballots(redis, service, args.ballots, valkey)
        results["a_voting_service"]["peak_rss_mb"] = round(service.peak_rss / 2**20, 1)
        results["a_voting_service"]["peak_log_mb"] = round(service.peak_log / 2**20, 1)
        print(json.dumps(results["a_voting_service"], indent=2), flush=True)
        results["latency"] = await steady_latency(redis, args.latency_rate, args.latency_seconds, args.members)
        service.sample()
        results["a_voting_service"]["peak_rss_mb_after_latency"] = round(service.peak_rss / 2**20, 1)
        service.stop()
        results["valkey_rss_mb"] = round(psutil.Process(server.process.pid).memory_info().rss / 2**20, 1) if server.process else None
    finally:
        await redis.aclose()
        server.stop()
    results["machine"]["load_after"] = os.getloadavg()
    results["log"] = str(log)
    return results


def fresh_database() -> None:
    """On PostgreSQL (`WSIS_BENCH_DATABASE_URL`), the services' schemas dropped (as `wsis restore --force`
    does): every run starts empty."""
    url = os.environ.get("WSIS_BENCH_DATABASE_URL")
    if url:
        backup_db.clear(Settings(database_url=url))


def report(r: dict) -> str:
    keys = ("a_voting_service", "b_faststream_per_message", "c_faststream_batch", "c_faststream_batch_dicts",
            "c_faststream_batch_notes", "d_redis_benchmark_xadd")
    a, b, c, c2, c3, d = (r[k]["per_second"] for k in keys)
    peak = r["a_voting_service"].get("peak_log_mb", 0)  # SQLite's write-ahead log (none on PostgreSQL)
    log_peak = f", write-ahead log at most {peak:,.0f} MB" if peak else ""
    lines = [
        "| run | ballots/s | service ÷ run |",
        "|---|---:|---:|",
        f"| (a) voting service, {r['a_voting_service']['ballots']:,} ballots, every constraint | {a:,.0f} | 1.00 |",
        f"| (b) FastStream per-message no-op, pydantic body ({r['b_faststream_per_message']['messages']:,} read) | {b:,.0f} | {a / b:.1f} |",
        f"| (c) FastStream batch=True no-op, max_records={r['batch']}, pydantic bodies | {c:,.0f} | {a / c:.2f} |",
        f"| (c') the same with plain dict bodies | {c2:,.0f} | {a / c2:.2f} |",
        f"| (c'') as FASTSTREAM-NOTES measured it: max_records=500, redis-py's Python parser, pydantic bodies | {c3:,.0f} | {a / c3:.2f} |",
        f"| (d) redis-benchmark XADD, pipeline 32 | {d:,.0f} | {a / d:.2f} |",
        "",
        f"Service CPU: {r['a_voting_service']['service_cpu_us_per_ballot']:.0f} µs a ballot (Valkey: "
        f"{r['a_voting_service']['valkey_cpu_us_per_ballot']:.0f} µs). Service peak RSS: {r['a_voting_service']['peak_rss_mb']} MB{log_peak}; "
        f"latency at {r['latency']['rate']:,} ballots/s: p50 {r['latency']['p50_ms']:.1f} ms, p99 {r['latency']['p99_ms']:.1f} ms "
        f"({r['latency']['ballots']:,} ballots).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    args = arguments()
    figures = asyncio.run(main(args))
    print(json.dumps(figures, indent=2))
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
