"""The voting service as `wsis run voting` runs it: a subprocess, measured from outside."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import orjson
import psutil
from redis.asyncio import Redis

from bench.voting.scenario import event
from shared import topology
from shared.bus import publish_all

# The bench's clients do not decode replies: entry ids and fields are bytes.
Entries = list[tuple[bytes, dict[bytes, bytes]]]

ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, url: str, data_dir: Path, batch_size: int, log: Path) -> None:
        env = {**os.environ, "WSIS_REPLAY": "true", "WSIS_LOG_FORMAT": "json", "WSIS_BATCH_SIZE": str(batch_size),
               "WSIS_BALLOT_BATCH_SIZE": str(batch_size)}
        env.pop("WSIS_DATABASE_URL", None)
        if os.environ.get("WSIS_BENCH_DATABASE_URL"):  # PostgreSQL instead of the default SQLite file
            env["WSIS_DATABASE_URL"] = os.environ["WSIS_BENCH_DATABASE_URL"]
        cmd = [sys.executable, "-m", "wsis.cli", "run", "voting", "--redis-url", url, "--data-dir", str(data_dir)]
        self.started = time.perf_counter()
        self.popen = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
        self.proc = psutil.Process(self.popen.pid)
        self.peak_rss = 0
        self.data_dir = data_dir
        self.peak_log = 0  # the SQLite write-ahead log's largest size seen (bytes)

    def sample(self) -> None:
        try:
            self.peak_rss = max(self.peak_rss, self.proc.memory_info().rss)
        except psutil.NoSuchProcess:
            pass
        for wal in self.data_dir.glob("db/*-wal"):
            try:
                self.peak_log = max(self.peak_log, wal.stat().st_size)
            except FileNotFoundError:
                pass

    def stop(self) -> None:
        self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(60)


async def wait_drained(redis: Redis, stream: str, proc: ServiceProcess, timeout: float = 1800) -> None:
    """Until the voting group has every entry of `stream` delivered and acknowledged."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.sample()
        if proc.popen.poll() is not None:
            raise RuntimeError("the voting service exited")
        groups = [g for g in await redis.xinfo_groups(stream) if g["name"] == b"voting"] if await redis.exists(stream) else []
        if groups and groups[0]["lag"] == 0 and groups[0]["pending"] == 0:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{stream} not drained")


def entry_ms(entry_id: bytes) -> int:
    return int(entry_id.split(b"-")[0])


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def run_ballots(redis: Redis, proc: ServiceProcess, expected: int, valkey: psutil.Process) -> dict[str, Any]:
    """(a): from the pre-filled stream to the last outcome; CPU seconds spent meanwhile."""
    cpu_at_first: float | None = None
    valkey_at_first = 0.0
    while (count := await redis.xlen(topology.OUT_VOTING)) < expected:
        proc.sample()
        if cpu_at_first is None and count:
            cpu_at_first, valkey_at_first = cpu_seconds(proc.proc), cpu_seconds(valkey)
        if proc.popen.poll() is not None:
            raise RuntimeError("the voting service exited")
        await asyncio.sleep(0.05)
    done = time.perf_counter()
    service_cpu, valkey_cpu = cpu_seconds(proc.proc) - (cpu_at_first or 0), cpu_seconds(valkey) - (valkey_at_first or 0)
    (first_id, _), = cast(Entries, await redis.xrange(topology.OUT_VOTING, count=1))
    (last_id, _), = cast(Entries, await redis.xrevrange(topology.OUT_VOTING, count=1))
    seconds = (entry_ms(last_id) - entry_ms(first_id)) / 1000
    kinds: dict[str, int] = {}
    for _, fields in cast(Entries, await redis.xrange(topology.OUT_VOTING, count=200_000)):
        body = orjson.loads(fields[b"__data__"])
        reason = body["data"].get("reason", "accepted")
        kinds[reason] = kinds.get(reason, 0) + 1
    return {
        "ballots": expected,
        "seconds_first_to_last_outcome": seconds,
        "per_second": expected / seconds,
        "seconds_from_process_start": done - proc.started,
        # CPU time per ballot does not depend on what else the machine runs.
        "service_cpu_us_per_ballot": service_cpu / expected * 1e6,
        "valkey_cpu_us_per_ballot": valkey_cpu / expected * 1e6,
        "outcomes_in_first_200k": kinds,
    }


async def steady_latency(redis: Redis, rate: int, seconds: float, member_count: int) -> dict[str, Any]:
    """Publish valid-looking ballots at `rate`/s; time each from XADD to its outcome."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    last_id = (await redis.xinfo_stream(topology.OUT_VOTING))["last-generated-id"]
    total = int(rate * seconds)

    async def reader() -> None:
        nonlocal last_id
        while len(latencies) < total:
            # RESP2, this client's protocol: a list of [stream, entries]
            reply: list[tuple[bytes, Entries]] | None = cast(Any, await redis.xread({topology.OUT_VOTING: last_id}, count=1000, block=1000))
            now = time.perf_counter()
            for _, entries in reply or []:
                for entry_id, fields in entries:
                    last_id = entry_id
                    cause = orjson.loads(fields[b"__data__"]).get("causationid")
                    if cause in sent:
                        latencies.append(now - sent.pop(cause))

    task = asyncio.create_task(reader())
    start, tick = time.perf_counter(), 0.005
    for n in range(0, total, int(rate * tick)):
        due = start + n / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        batch = []
        for i in range(n, min(total, n + int(rate * tick))):
            voter, category = 1 + (i * 7919) % (member_count - 1), 1 + i % 18
            data = {"voter_id": f"m-{voter:07d}", "category": category, "project_id": f"p-{category:02d}-03"}
            batch.append((topology.IN_BALLOTS, event("wsis.ballot.cast", f"lat-{i}", "2021-03-15T12:00:00Z", data, "latency")))
        stamp = time.perf_counter()
        for i in range(n, n + len(batch)):  # before the XADD: an answer may come back before it returns
            sent[f"lat-{i}"] = stamp
        # One script call a tick, as the benchmark published them before it used shared.bus: the
        # tick's ballots arrive together, rather than the first alone and the rest in a second batch.
        await publish_all(redis, batch, scripted=True)
    await asyncio.wait_for(task, 60)
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {"rate": rate, "ballots": len(latencies), "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": latencies[-1] * 1000}
