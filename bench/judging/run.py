"""Judging benchmark: a contest's panel decisions.

    uv run python -m bench.judging.run [--entries 1300]

(The ballots' answers on wsis:out:voting are not read by judging: it reads
voting's reports on their internal copy, `topology.VOTING_REPORTS`.)

`nominations`: a 2021-sized contest: `--entries` entries received and
   screened (a tenth ineligible), one nomination for each (20 recorded per
   category, the rest refused), then the tick that publishes the list: input
   events (3 per entry, and the tick) per second from start to
   `wsis.nominations.published`, and that time. Run twice: with
   the verdicts on the bus before the panel's decisions, and after them
   (every nomination waits, then is settled when its verdict arrives).
Embedded Valkey, SQLite; everything on this machine. The service starts
after its input is on the bus, so it reads a backlog in full batches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import cast

import redis.asyncio as aioredis

from services.judging.app import build
from shared import topology
from shared.events import T
from shared.settings import Settings
from tests.support.events import cloudevent
from wsis.embedded import EmbeddedValkey

# The bench's clients do not decode replies: entry ids and fields are bytes.
Entries = list[tuple[bytes, dict[bytes, bytes]]]


def event(kind: str, data: dict, key: str, time_: str) -> bytes:
    return json.dumps(cloudevent(kind, data, time_=time_, id_=f"{kind}-{key}", source="bench")).encode()


async def fill(client: aioredis.Redis, stream: str, bodies: list[bytes]) -> None:
    for start in range(0, len(bodies), 5000):
        async with client.pipeline(transaction=False) as pipe:
            for body in bodies[start : start + 5000]:
                pipe.xadd(stream, {"__data__": body})
            await pipe.execute()


def contest(entries: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    received, screened, panel = [], [], []
    for i in range(entries):
        sid, category = f"s{i:05}", 1 + i % 18
        received.append(event(T.SUBMISSION_RECEIVED, {"submission_id": sid, "entity": {"entity_id": f"e{i}"}, "category": category, "title": f"Project {i}", "revision": 1}, sid, "2021-01-20T10:00:00Z"))
        outcome = "ineligible" if i % 10 == 9 else "eligible"
        screened.append(event(T.SUBMISSION_SCREENED, {"submission_id": sid, "entity_id": f"e{i}", "category": category, "outcome": outcome, "rules": [], "nominable": True}, sid, "2021-01-20T10:00:01Z"))
        panel.append(event(T.PANEL_NOMINATED, {"submission_id": sid, "category": category, "panel_member_id": "m1"}, sid, "2021-02-15T10:00:00Z"))
    return received, screened, panel


async def bench_nominations(settings: Settings, client: aioredis.Redis, entries: int, verdicts_first: bool) -> tuple[float, str]:
    received, screened, panel = contest(entries)
    await fill(client, topology.OUT_SUBMISSION, received)
    if verdicts_first:
        await fill(client, topology.OUT_ELIGIBILITY, screened)
    await fill(client, topology.IN_PANEL, panel)
    if not verdicts_first:
        await fill(client, topology.OUT_ELIGIBILITY, screened)
    await fill(client, topology.IN_CLOCK, [event(T.CLOCK_TICK, {}, "publication", "2021-02-28T23:00:00Z")])
    async with build(settings).app:
        started = time.perf_counter()
        while not any(b'"wsis.nominations.published"' in f[b"__data__"] for _, f in cast(Entries, await client.xrevrange(topology.OUT_JUDGING, count=1))):
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.5)  # the tick's acknowledgement follows its publication
    answers = await client.xlen(topology.OUT_JUDGING) - 1
    assert answers == entries, f"{answers} answers to {entries} nominations"
    return (3 * entries + 1) / elapsed, f"({elapsed:.2f} s to the published list)"


async def main(entries: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedValkey(Path(tmp)).start()
        client = aioredis.Redis.from_url(server.url)
        try:
            runs = [("nominations", lambda s: bench_nominations(s, client, entries, True), f"{entries} entries, verdicts before nominations", "input events/s"),
                    ("nominations", lambda s: bench_nominations(s, client, entries, False), f"{entries} entries, every nomination waits for its verdict", "input events/s")]
            for n, (name, run, label, unit) in enumerate(runs):
                await client.flushdb()
                settings = Settings(redis_url=server.url, data_dir=Path(tmp) / f"{name}-{n}", replay=True, log_level="WARNING", log_format="json")
                rate, note = await run(settings)
                print(f"{label:55} {rate:>10,.0f} {unit} {note}")
        finally:
            await client.aclose()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1300)
    args = parser.parse_args()
    asyncio.run(main(args.entries))
