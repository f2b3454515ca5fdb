"""`shared.drain`: a batch waits for the inputs before it, and stays in hand while it waits."""

from __future__ import annotations

import asyncio

from shared import bus, drain


async def pending(redis, stream: str, group: str) -> dict:
    (found,) = await redis.xpending_range(stream, group, "-", "+", 1)
    return found


async def streams(redis, *names: str, entries: int = 1) -> None:
    """`entries` entries on each stream, in the order named, and group `g` on each; raw group reads."""
    for name in names:
        for _ in range(entries if name != names[-1] else 1):
            await redis.xadd(name, {bus.DATA_FIELD: b"x"})
        await asyncio.sleep(0.002)  # ids order entries of two streams to the millisecond only
    for name in names:
        await bus.ensure_group(redis, name, "g")
    bus.raw_group_reads(redis)


async def test_a_drained_input_lets_the_batch_go_and_one_behind_is_named_after_the_timeout(redis):
    await streams(redis, "before", "waiting")
    (waiting,) = await bus.read_group(redis, "waiting", "g", "c", 10, 1)

    assert await drain.drain(redis, "g", ["before"], waiting.entry_id, timeout=0.3) == ["before"]  # never read

    (before,) = await bus.read_group(redis, "before", "g", "c", 10, 1)
    assert await drain.drain(redis, "g", ["before"], waiting.entry_id, timeout=0.3) == ["before"]  # read, not acknowledged
    await bus.ack(redis, "before", "g", [before.entry_id])
    assert await drain.drain(redis, "g", ["before"], waiting.entry_id, timeout=0.3) == []


async def test_an_input_worked_through_slowly_is_waited_for_as_long_as_it_moves(redis):
    """A backlog before a tick takes longer than the timeout: the tick still counts all of it."""
    await streams(redis, "backlog", "waiting", entries=6)
    (waiting,) = await bus.read_group(redis, "waiting", "g", "c", 10, 1)
    backlog = await bus.read_group(redis, "backlog", "g", "c", 10, 1)

    async def work_through() -> None:
        for entry in backlog:  # one entry every 0.25 s: 1.5 s in all, the timeout 0.6 s
            await asyncio.sleep(0.25)
            await bus.ack(redis, "backlog", "g", [entry.entry_id])

    worker = asyncio.create_task(work_through())
    assert await drain.drain(redis, "g", ["backlog"], waiting.entry_id, timeout=0.6) == []
    assert (await redis.xpending("backlog", "g"))["pending"] == 0  # every entry of it, not the first few
    await worker


async def test_a_batch_waiting_for_a_drain_is_not_taken_by_a_reclaimer_nor_counted_as_delivered_again(redis):
    await streams(redis, "stuck", "waiting")
    await bus.read_group(redis, "stuck", "g", "c", 10, 1)  # read and never acknowledged: the drain waits
    batch = await bus.read_group(redis, "waiting", "g", "c", 10, 1)

    async def touch() -> None:
        await bus.touch(redis, "g", "c", batch, 50)

    waits = asyncio.create_task(drain.drain(redis, "g", ["stuck"], batch[0].entry_id, timeout=1.2, touch=touch, touch_every=0.1))
    taken = []
    for _ in range(4):
        await asyncio.sleep(0.25)
        _, claimed, *_ = await redis.xautoclaim("waiting", "g", "other", 200, count=10)
        taken += claimed

    assert await waits == ["stuck"]
    assert taken == []
    found = await pending(redis, "waiting", "g")
    assert found["consumer"] == b"c" and found["times_delivered"] == 1
    _, claimed, *_ = await redis.xautoclaim("stuck", "g", "other", 200, count=10)
    assert len(claimed) == 1  # the entry nobody touched is idle: taken
