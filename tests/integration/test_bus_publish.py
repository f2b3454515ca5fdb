"""`shared.bus.publish_all`: every body lands as written, in order, and the batch is acknowledged with it."""

from __future__ import annotations

import pytest
from redis.exceptions import ResponseError

from shared import bus


async def test_bodies_land_in_order_and_the_entries_are_acknowledged_in_the_same_transaction(redis):
    await redis.xadd("in", {bus.DATA_FIELD: b"x"})
    await bus.ensure_group(redis, "in", "g")
    bus.raw_group_reads(redis)
    (entry,) = await bus.read_group(redis, "in", "g", "c", 10, 1)
    bodies = [(b"s-1", b'{"n":1}'), (b"s-2", b'{"n":2}'), (b"s-1", b'{"n":3}'), (b"s-1", b'{"text":"two\nlines"}'), (b"s-2", b'{"n":4}'), (b"s-2", b"")]
    events = [(stream.decode(), body) for stream, body in bodies]

    assert await bus.publish_all(redis, events, [entry], "g") == len(events)

    def stored(stream: str) -> list[bytes]:
        return [body for s, body in events if s == stream]

    for stream in ("s-1", "s-2"):
        assert [f[bus.DATA_FIELD] for _, f in await redis.xrange(stream)] == stored(stream)
    assert (await redis.xpending("in", "g"))["pending"] == 0


async def test_a_failing_command_fails_the_call_and_the_client_goes_on(redis):
    await redis.xadd("in", {bus.DATA_FIELD: b"x"})
    await bus.ensure_group(redis, "in", "g")
    bus.raw_group_reads(redis)
    (entry,) = await bus.read_group(redis, "in", "g", "c", 10, 1)
    await redis.set("not-a-stream", "x")

    with pytest.raises(ResponseError):  # the XADD fails inside the transaction: raised, not swallowed
        await bus.publish_all(redis, [("not-a-stream", b'{"n":1}')], [entry], "g")
    with pytest.raises(ResponseError):  # and outside one
        await bus.publish_all(redis, [("not-a-stream", b'{"n":1}')])
    assert await redis.ping()
    assert await bus.publish_all(redis, [("out", b'{"n":2}')], [entry], "g") == 1
    assert (await redis.xpending("in", "g"))["pending"] == 0
