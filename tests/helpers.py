"""Talking to the system the way other systems do: CloudEvents on streams."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis


def cloudevent(kind: str, data: dict[str, Any], *, time_: str = "2021-01-10T10:00:00Z", id_: str | None = None, source: str = "tests") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_ or uuid.uuid4().hex,
        "source": source,
        "type": kind,
        "time": time_,
        "datacontenttype": "application/json",
        "data": data,
    }


async def publish(redis: aioredis.Redis, stream: str, event: dict[str, Any] | bytes | str) -> str:
    body = event if isinstance(event, (bytes, str)) else json.dumps(event)
    entry_id = await redis.xadd(stream, {"__data__": body})
    return entry_id.decode()


async def events(redis: aioredis.Redis, stream: str) -> list[dict[str, Any]]:
    return [json.loads(fields[b"__data__"]) for _, fields in await redis.xrange(stream)]


async def wait_for(
    redis: aioredis.Redis,
    stream: str,
    predicate: Callable[[list[dict[str, Any]]], bool],
    timeout: float = 15.0,
) -> list[dict[str, Any]]:
    """Poll `stream` until `predicate(all events)` holds; fail with what was seen."""
    deadline = time.monotonic() + timeout
    seen: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        seen = await events(redis, stream)
        if predicate(seen):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting on {stream}; saw {len(seen)} events: {seen[-3:]}")


def answers_to(seen: list[dict[str, Any]], cause_id: str) -> list[dict[str, Any]]:
    return [e for e in seen if e.get("causationid") == cause_id]
