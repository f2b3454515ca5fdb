"""Entries the fuzz test found hard, as quick cases: each service, each inbound stream, both databases.

An empty or blank `__data__` once could not be dead-lettered at all (the
dead letter's own `raw` was taken for missing), so it stayed pending
forever and held back every tick behind it. The full hypothesis run is
tests/fuzz/test_hostile_input.py.
"""

from __future__ import annotations

import pytest

from services.judging.app import build as build_judging
from services.submission.app import build as build_submission
from services.voting.app import build as build_voting
from shared import topology
from tests.support.events import cloudevent
from tests.support.streams import publish, wait_for

INPUTS = [
    (build_submission, topology.IN_SUBMISSIONS),
    (build_voting, topology.IN_BALLOTS),
    (build_voting, topology.IN_STAKEHOLDERS),
    (build_voting, topology.IN_CLOCK),
    (build_judging, topology.IN_PANEL),
    (build_judging, topology.IN_CLOCK),
]
HOSTILE = [b"", b"   ", b"\x00", b"null", b"[]", b'"\\u0000"', b"{}", b'{"a":' * 5000 + b"1" + b"}" * 5000, "\ufeff{}".encode()]


@pytest.mark.parametrize(("build", "stream"), INPUTS, ids=[f"{b.__module__.split('.')[1]}:{s}" for b, s in INPUTS])
async def test_empty_blank_and_odd_entries_are_dead_lettered_and_the_next_event_is_read(settings, redis, build, stream):
    service = build(settings)
    async with service.app:
        ids = [await publish(redis, stream, raw) for raw in HOSTILE]
        await publish(redis, stream, cloudevent("wsis.unknown.kind", {}))

        dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) >= len(HOSTILE) + 1, timeout=30)

    assert {d["data"]["entry_id"] for d in dead} >= set(ids)
    assert [d["data"]["raw"] for d in dead if d["data"]["entry_id"] in ids[:2]] == ["", "   "]
    assert (await redis.xpending(stream, service.name))["pending"] == 0
