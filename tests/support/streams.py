"""Publishing to the streams and reading them back, the way other systems do.

Every entry carries one CloudEvent as JSON in its `__data__` field (CONTRACT
2). `read` serves a synchronous client, `events` an asyncio one; both
decode alike and may keep one event type only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import redis
import redis.asyncio as aioredis

from tests.support.waiting import wait_until_async

Event = dict[str, Any]


def decode(entries: Iterable[tuple[Any, dict[bytes, bytes]]], kind: str | None = None) -> list[Event]:
    """The events of XRANGE's entries, in stream order; only those of type `kind` if given."""
    found = [json.loads(fields[b"__data__"]) for _, fields in entries]
    return found if kind is None else of_type(found, kind)


def read(client: redis.Redis, stream: str, kind: str | None = None) -> list[Event]:
    """Every event on `stream` (or those of type `kind`), with a synchronous client."""
    return decode(client.xrange(stream), kind)


async def events(redis: aioredis.Redis, stream: str, kind: str | None = None) -> list[Event]:
    """Every event on `stream` (or those of type `kind`), with an asyncio client."""
    return decode(await redis.xrange(stream), kind)


def of_type(seen: list[Event], kind: str) -> list[Event]:
    return [e for e in seen if e["type"] == kind]


def answers_to(seen: list[Event], cause_id: str) -> list[Event]:
    """The events caused by the event `cause_id` (its answers, repeats included)."""
    return [e for e in seen if e.get("causationid") == cause_id]


def body(event: Event | bytes | str) -> bytes | str:
    return event if isinstance(event, (bytes, str)) else json.dumps(event)


async def publish(redis: aioredis.Redis, stream: str, event: Event | bytes | str) -> str:
    """XADD one event (or raw bytes, to test what is not one); its entry id."""
    entry_id = await redis.xadd(stream, {"__data__": body(event)})
    return entry_id.decode()


def put(client: redis.Redis, stream: str, event: Event | bytes | str) -> str:
    """`publish` with a synchronous client."""
    return client.xadd(stream, {"__data__": body(event)}).decode()


async def wait_for(redis: aioredis.Redis, stream: str, predicate: Callable[[list[Event]], bool], timeout: float = 15.0) -> list[Event]:
    """Poll `stream` until `predicate(all its events)` holds; return them, or fail with the last seen."""
    seen: list[Event] = []

    async def holds() -> bool:
        nonlocal seen
        seen = await events(redis, stream)
        return predicate(seen)

    await wait_until_async(holds, what=lambda: f"{stream}; saw {len(seen)} events, the last: {seen[-3:]}", timeout=timeout)
    return seen


async def consumed(redis: aioredis.Redis, stream: str, group: str, timeout: float = 15.0) -> None:
    """Wait until `group` was delivered every entry now on `stream` and acknowledged each."""

    async def handled() -> bool:
        if not await redis.exists(stream):
            return False
        found = [g for g in await redis.xinfo_groups(stream) if g["name"] == group.encode()]
        last = await redis.xrevrange(stream, count=1)
        return bool(found and last) and found[0]["last-delivered-id"] == last[0][0] and found[0]["pending"] == 0

    await wait_until_async(handled, what=f"{group} to handle every entry on {stream}", timeout=timeout)
