"""Both read loops ask each XREADGROUP for what their byte budget allows, on a real server.

Thirty entries of about 200 KB wait on the stream when the service starts,
with `WSIS_BATCH_BYTES` at 1 MiB: the first read takes one (entries may be
1 MiB), the next ones two and four as the sizes become known, then five
(1 MiB // 200 KB) until the stream is empty. A FastStream subscriber only
follows because the runtime sets the count its StreamSub holds between
reads (`shared.runtime.BudgetedStreamSub`): this is the check that
FastStream still reads it there.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared import bus, topology
from shared.settings import Settings
from tests.support.services import build
from tests.support.streams import publish, wait_for

ENTRY = b"x" * 200_000  # not a CloudEvent: each one is dead-lettered
BATCHES = [1, 2, 4, 5, 5, 5, 5, 3]


async def fill(redis: Any, stream: str) -> list[str]:
    return [await publish(redis, stream, ENTRY) for _ in range(sum(BATCHES))]


async def test_a_faststream_subscriber_reads_batches_of_about_its_byte_budget(settings: Settings, redis):
    service = build("submission", settings.model_copy(update={"batch_bytes": 1024 * 1024}))
    ids = await fill(redis, topology.IN_SUBMISSIONS)
    batches: list[int] = []
    process = service.process

    async def recorded(entries: Any, ack: Any = ()) -> None:
        batches.append(len(entries))
        await process(entries, ack)

    service.process = recorded
    async with service.app:
        dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == len(ids), timeout=30)

    assert batches == BATCHES
    assert service.budgets[topology.IN_SUBMISSIONS].count == 5
    assert [d["data"]["entry_id"] for d in dead] == ids
    assert all(len(d["data"]["raw"]) == 64 * 1024 for d in dead)


async def test_a_lane_reads_batches_of_about_its_byte_budget(settings: Settings, redis, monkeypatch: pytest.MonkeyPatch):
    service = build("voting", settings.model_copy(update={"batch_bytes": 1024 * 1024}))
    ids = await fill(redis, topology.IN_BALLOTS)
    batches: list[int] = []
    read_group = bus.read_group

    async def recorded(client: Any, stream: str, *args: Any) -> list[bus.Entry]:
        entries = await read_group(client, stream, *args)
        if stream == topology.IN_BALLOTS and entries:
            batches.append(len(entries))
        return entries

    monkeypatch.setattr(bus, "read_group", recorded)
    async with service.app:
        dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == len(ids), timeout=30)

    assert batches == BATCHES
    assert service.lanes[topology.IN_BALLOTS].budget.count == 5
    assert sorted(d["data"]["entry_id"] for d in dead) == sorted(ids)
