"""A service stopped cleanly leaves its consumer groups: no dead consumers pile up."""

from __future__ import annotations

from shared import bus, topology
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.services import running
from tests.support.streams import publish, wait_for


async def consumers(redis, stream: str, group: str) -> dict[str, int]:
    return {
        (c["name"].decode() if isinstance(c["name"], bytes) else c["name"]): int(c["pending"])
        for c in await redis.xinfo_consumers(stream, group)
    }


async def test_a_clean_stop_deletes_the_consumer_from_every_group_it_read(settings, redis):
    async with running("submission", settings) as service:
        await publish(redis, topology.IN_SUBMISSIONS, cloudevent("wsis.submission.submitted", submission("s-1")))
        await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)
        assert service.consumer in await consumers(redis, topology.IN_SUBMISSIONS, "submission")
    for stream in topology.SUBMISSION.reads:
        assert service.consumer not in await consumers(redis, stream, "submission")


async def test_a_consumer_holding_entries_stays_so_another_can_reclaim_them(redis):
    stream, group = "test:leave", "g"
    await bus.ensure_group(redis, stream, group)
    await redis.xadd(stream, {"__data__": b"{}"})
    await redis.xreadgroup(group, "holder", {stream: ">"}, count=1)
    await redis.xgroup_createconsumer(stream, group, "idle")

    assert await bus.leave_group(redis, stream, group, "holder") is False
    assert await bus.leave_group(redis, stream, group, "idle") is True
    assert await consumers(redis, stream, group) == {"holder": 1}
