"""Two `wsis run voting` replicas in one consumer group, one database, racing ballots."""

from __future__ import annotations

import json
import signal
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from shared import topology
from tests.support import processes
from tests.support.events import ballot, member, nominees
from tests.support.streams import events
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.slow
VOTERS = 150
PROJECTS = ["p-1", "p-2", "p-3", "p-4"]


def start_replica(redis_url: str, data_dir: Path, database_url: str | None, log: Path) -> subprocess.Popen[bytes]:
    return processes.start_replica("voting", redis_url, data_dir, database_url, log, batch_size=7)


def ballots_handled(log: Path) -> int:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return sum(line.get("entries", 0) for line in lines if line.get("event") == "ballots.batch")


async def test_two_replicas_racing_conflicting_ballots_accept_one_vote_per_voter_and_category(redis, redis_url, database_url, tmp_path):
    data_dir = tmp_path / "data"
    for i in range(VOTERS):
        await redis.xadd(topology.IN_STAKEHOLDERS, {"__data__": json.dumps(member(f"v-{i}"))})
    await redis.xadd(topology.OUT_JUDGING, {"__data__": json.dumps(nominees({4: [(p, f"org-{p}") for p in PROJECTS]}))})
    logs = [tmp_path / "replica-a.log", tmp_path / "replica-b.log"]
    replicas = []
    try:
        for count, log in enumerate(logs, start=1):
            # One after the other: the race under test is the ballots', not the schema's creation.
            replicas.append(start_replica(redis_url, data_dir, database_url, log))

            async def reading(count: int = count) -> bool:
                try:
                    return len(await redis.xinfo_consumers(topology.IN_BALLOTS, "voting")) == count
                except Exception:
                    return False

            await wait_until_async(reading, timeout=60, what=f"{count} replica(s) reading ballots", every=0.1)
        sent: list[dict] = []
        for i in range(VOTERS):
            mine = [ballot(f"v-{i}", 4, project) for project in PROJECTS]
            sent += mine
            async with redis.pipeline(transaction=False) as pipe:
                for one in [*mine, mine[0]]:  # and the first one delivered twice
                    pipe.xadd(topology.IN_BALLOTS, {"__data__": json.dumps(one)})
                await pipe.execute()

        async def all_answered() -> bool:
            return {e["causationid"] for e in await events(redis, topology.OUT_VOTING)} >= {b["id"] for b in sent}

        await wait_until_async(all_answered, timeout=120, what="every ballot answered", every=0.1)
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        for replica in replicas:
            replica.wait(30)

    answers = await events(redis, topology.OUT_VOTING)
    by_ballot: dict[str, list[dict]] = defaultdict(list)
    for answer in answers:
        by_ballot[answer["causationid"]].append(answer)
    differing = [same for same in by_ballot.values() if any(a != same[0] for a in same)]
    assert not differing, f"one ballot, two different answers: {differing[:1]}"
    accepted = Counter(same[0]["data"]["voter_id"] for same in by_ballot.values() if same[0]["type"] == "wsis.vote.accepted")
    rejected = Counter(same[0]["data"]["reason"] for same in by_ballot.values() if same[0]["type"] == "wsis.vote.rejected")
    assert accepted == {f"v-{i}": 1 for i in range(VOTERS)}
    assert rejected == {"already_voted": VOTERS * (len(PROJECTS) - 1)}
    assert all(ballots_handled(log) > 0 for log in logs), "both replicas must have taken ballots"
