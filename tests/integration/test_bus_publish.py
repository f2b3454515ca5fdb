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


async def test_a_run_longer_than_the_servers_longest_argument_goes_in_several_script_calls(redis):
    """The server drops a connection sent an argument over its proto-max-bulk-len (4 MB embedded): a batch's
    answers, joined for one script call, must never be one (the batch would fail so on every retry)."""
    limit = int((await redis.config_get("proto-max-bulk-len"))["proto-max-bulk-len"])
    body = b'{"pad":"' + b"x" * 1000 + b'"}'
    count = min(limit * 3 // 2, 16 * 1024 * 1024) // len(body) + 1
    events = [("s", body[:-2] + b'%d"}' % n) for n in range(count)]

    assert await bus.publish_all(redis, events, scripted=True) == count

    assert [f[bus.DATA_FIELD] for _, f in await redis.xrange("s")] == [b for _, b in events]


def test_script_runs_keep_the_order_and_stay_under_the_bound():
    bodies = [b"x" * n for n in (5, 1, 9, 3, 3, 20, 1, 0, 4)]
    runs = list(bus._script_runs(bodies, limit=10))
    assert [b for run in runs for b in run] == bodies
    assert all(len(b"\n".join(run)) <= 10 or len(run) == 1 for run in runs)
    assert list(bus._script_runs([], limit=10)) == []
