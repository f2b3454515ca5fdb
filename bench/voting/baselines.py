"""What the ballot stream costs without the service: FastStream no-op subscribers, raw XADD."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
import time
from datetime import datetime
from typing import Any

from faststream.redis import RedisBroker, StreamSub
from pydantic import BaseModel
from redis._parsers import _AsyncRESP2Parser
from redis.asyncio import Redis

from shared import bus, topology


class Envelope(BaseModel):
    """A CloudEvent as a FastStream handler would declare it (FastStream hands it a decoded dict)."""

    specversion: str
    id: str
    source: str
    type: str
    time: datetime
    data: dict[str, Any]


async def faststream_noop(
    url: str, group: str, target: int, *, batch: int | None, model: bool = True, pure_parser: bool = False
) -> dict[str, Any]:
    """A no-op handler in its own consumer group over the pre-filled ballot stream.

    With `model`, each body is validated into a pydantic model of the
    CloudEvents envelope (what a FastStream service would declare); without,
    plain dicts. With `pure_parser`, redis-py reads replies with its own
    Python parser instead of hiredis (FastStream without hiredis installed).
    """
    broker_options: dict[str, Any] = {"parser_class": _AsyncRESP2Parser} if pure_parser else {}
    broker = RedisBroker(url, message_format=bus.CloudEventFormat, log_level=0, **broker_options)
    done = asyncio.Event()
    seen = {"count": 0, "first": 0.0, "last": 0.0}

    def count(n: int) -> None:
        now = time.perf_counter()
        seen["first"] = seen["first"] or now
        seen["count"] += n
        seen["last"] = now
        if seen["count"] >= target:
            done.set()

    # Without max_records the per-message subscriber fetches the whole backlog
    # at once and its shutdown waits for every fetched message.
    options: dict[str, Any] = {"batch": True, "max_records": batch} if batch else {"max_records": 100}
    sub = StreamSub(topology.IN_BALLOTS, group=group, consumer=f"{group}-1", **options)

    if batch and model:
        @broker.subscriber(stream=sub)
        async def noop_batch(bodies: list[Envelope]) -> None:
            count(len(bodies))
    elif batch:
        @broker.subscriber(stream=sub)
        async def noop_batch_dicts(bodies: list[dict]) -> None:
            count(len(bodies))
    else:
        @broker.subscriber(stream=sub)
        async def noop_one(body: Envelope) -> None:
            count(1)

    redis = Redis.from_url(url)
    await bus.ensure_group(redis, topology.IN_BALLOTS, group)  # from the stream's start
    await redis.aclose()
    async with broker:
        await broker.start()
        await done.wait()
    rate = (seen["count"] - 1) / max(seen["last"] - seen["first"], 1e-9)
    return {"messages": seen["count"], "per_second": rate, "body": "pydantic envelope" if model else "dict",
            "max_records": batch, "parser": "redis-py (Python)" if pure_parser else "hiredis"}


def redis_benchmark_xadd(port: int, requests: int = 1_000_000, pipeline: int = 32) -> dict[str, Any]:
    """`redis-benchmark` pipelined XADD of a ballot-sized entry on the same server."""
    tool = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
    payload = "x" * 230
    cmd = [tool, "-h", "127.0.0.1", "-p", str(port), "-n", str(requests), "-P", str(pipeline), "--csv",
           "XADD", "bench:xadd", "MAXLEN", "~", "1000000", "*", "__data__", payload]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = list(csv.reader(io.StringIO(out)))
    rate = float(rows[-1][1])
    return {"command": " ".join(cmd[:9]) + " ... __data__ <230 bytes>", "per_second": rate}
