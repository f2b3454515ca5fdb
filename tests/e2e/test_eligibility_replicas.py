"""Two `wsis run eligibility` replicas in one consumer group and one database: first entry wins still holds."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench.eligibility import corpus
from bench.eligibility.generate import original, received
from shared import topology
from tests.support import processes
from tests.support.streams import events
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.slow
PAIRS = 30
START = datetime(2021, 1, 5, 9, 0, tzinfo=UTC)


def start_replica(redis_url: str, data_dir: Path, database_url: str | None, log: Path) -> subprocess.Popen[bytes]:
    return processes.start_replica("eligibility", redis_url, data_dir, database_url, log, batch_size=3)


def entries() -> list[dict]:
    """Pairs published later one first: a second entry of an entity in a category, and a copy by another entity."""
    rng = random.Random(7)
    out = []
    for i in range(PAIRS):
        early, late = START + timedelta(hours=i), START + timedelta(hours=i, minutes=30)
        mine, copied = original(rng, corpus.ENGLISH), original(rng, corpus.ENGLISH)
        out += [received(f"late-{i}", f"org-{i}", 4, original(rng, corpus.ENGLISH), late, rng),
                received(f"copy-{i}", f"other-{i}", 7, copied, late, rng),
                received(f"early-{i}", f"org-{i}", 4, mine, early, rng),
                received(f"orig-{i}", f"first-{i}", 9, copied, early, rng)]  # fmt: skip
    return out


def handled(log: Path) -> int:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return sum(1 for line in lines if line.get("event") == "entry.screened")


async def test_two_replicas_agree_on_the_first_entry_whatever_order_they_screen_in(redis, redis_url, database_url, tmp_path):
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    replicas = []
    try:
        for count, log in enumerate(logs, start=1):
            replicas.append(start_replica(redis_url, tmp_path / "data", database_url, log))

            async def reading(count: int = count) -> bool:
                try:
                    return len(await redis.xinfo_consumers(topology.OUT_SUBMISSION, "eligibility")) == count
                except Exception:
                    return False

            await wait_until_async(reading, timeout=60, what=f"{count} replica(s) reading", every=0.1)
        sent = entries()
        for event in sent:
            await redis.xadd(topology.OUT_SUBMISSION, {"__data__": json.dumps(event)})

        async def all_screened() -> bool:
            return {e["subject"] for e in await events(redis, topology.OUT_ELIGIBILITY)} >= {e["data"]["submission_id"] for e in sent}

        await wait_until_async(all_screened, timeout=120, what="every entry screened", every=0.1)
        await asyncio.sleep(1)  # re-screens of the same batch
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        for replica in replicas:
            replica.wait(30)

    last: dict[str, dict] = {}
    for event in await events(redis, topology.OUT_ELIGIBILITY):
        last[event["subject"]] = event["data"]
    s3 = {sid: next(r["result"] for r in v["rules"] if r["rule"].startswith("S3")) for sid, v in last.items()}
    s4 = {sid: next(r["result"] for r in v["rules"] if r["rule"].startswith("S4")) for sid, v in last.items()}
    for i in range(PAIRS):
        assert (s3[f"early-{i}"], s3[f"late-{i}"]) == ("pass", "fail") and last[f"late-{i}"]["related"] == [f"early-{i}"]
        assert (s4[f"orig-{i}"], s4[f"copy-{i}"]) == ("pass", "fail") and last[f"copy-{i}"]["related"] == [f"orig-{i}"]
    assert all(handled(log) > 0 for log in logs), "both replicas must have screened entries"
