"""Draining the inputs up to a tick (DESIGN: order within a stream only).

Time-driven work counts every event published before the tick that
triggers it. Streams are read by separate subscribers, so before a tick is
handled the service waits until its group has handled (acknowledged) every
entry of the other inputs that reached the server before the tick did.
Entry ids are the server's arrival times, comparable across streams.
Which inputs a tick (or another input's batch) waits for is the topology's
(`drained_before_tick`, `drained_first`); a service may add a condition of
its own (a `Gate`: the voting service's held ballots released, its ballots
paused).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import bus
from shared.events import T
from shared.reading import passed_cheaply

Settled = Callable[[], Awaitable[bool]]
Touch = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Gate:
    """A service's own condition on an input's batches, beside the drain.

    Once the inputs before a batch are drained, the batch also waits until
    `settled(batch)` says so (polled with the drain, up to its timeout);
    `release` is called once the batch is published (or failed). The voting
    service pauses its ballots for a tick's reports and for an annulment this
    way, and counts the reports' votes meanwhile.
    """

    settled: Callable[[Sequence[bus.Entry]], Awaitable[bool]]
    release: Callable[[], None]


def last_tick(entries: Sequence[bus.Entry], clock: str) -> str | None:
    """The entry id of the last plain tick of the batch: only a tick waits, garbage goes to its dead letter."""
    ticks = [e.entry_id for e in entries if e.stream == clock and passed_cheaply(e.raw, (T.CLOCK_TICK,))]
    return max(ticks, key=id_key) if ticks else None


def id_key(entry_id: str | bytes) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


Position = tuple[tuple[int, int], tuple[int, int] | None]


async def behind(redis: Redis, stream: str, group: str, up_to: str) -> Position | None:
    """None if `group` has handled every entry of `stream` up to id `up_to`; otherwise where it
    stands: its last delivered id and its first entry pending up to there (a change is progress)."""
    last = await redis.xrevrange(stream, max=up_to, min="-", count=1)
    if not last:
        return None
    newest = last[0][0]
    assert newest is not None  # only XCLAIM answers an entry without an id (one deleted meanwhile)
    for info in await redis.xinfo_groups(stream):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name == group:
            delivered = id_key(info["last-delivered-id"])
            break
    else:
        return (0, 0), None
    first = await redis.xpending_range(stream, group, min="-", max=up_to, count=1)
    if delivered >= id_key(newest) and not first:
        return None
    pending: bytes | str | None = first[0]["message_id"] if first else None  # type: ignore[assignment]
    return delivered, id_key(pending) if pending is not None else None


async def drain(
    redis: Redis, group: str, inputs: Sequence[str], up_to: str, timeout: float, settled: Settled | None = None,
    poll: float = 0.02, touch: Touch | None = None, touch_every: float = 1.0,
) -> list[str]:
    """Wait until every input is drained up to `up_to` (and `settled` says so); the inputs still
    behind once none of them moved for `timeout` ("settled" if only that is missing). An input
    worked through slowly (a backlog of ballots before a tick) is waited for as long as it moves.
    `touch` is called every `touch_every` seconds meanwhile: the waiting batch is still in hand."""
    deadline = time.monotonic() + timeout
    touched = time.monotonic()
    where: dict[str, Position | None] = dict.fromkeys(inputs)
    while True:
        if touch is not None and time.monotonic() - touched >= touch_every:
            touched = time.monotonic()
            await _touch_or_not(touch)
        now = {stream: await _behind_or_unsure(redis, stream, group, up_to, was) for stream, was in where.items()}
        if any(now[stream] != was for stream, was in where.items()):
            deadline = time.monotonic() + timeout
        where = {stream: position for stream, position in now.items() if position is not None}
        if not where and (settled is None or await settled()):
            return []
        if time.monotonic() >= deadline:
            return list(where) or ["settled"]
        await asyncio.sleep(poll)


async def _behind_or_unsure(redis: Redis, stream: str, group: str, up_to: str, was: Position | None) -> Position | None:
    """A failed look counts as not drained yet, and as no progress: ask again until the deadline."""
    try:
        return await behind(redis, stream, group, up_to)
    except RedisError:
        return was if was is not None else ((0, 0), None)


async def _touch_or_not(touch: Touch) -> None:
    """A failed touch is harmless: the batch may be retried by a reclaimer, and its answers have fixed ids."""
    try:
        await touch()
    except RedisError:
        pass
