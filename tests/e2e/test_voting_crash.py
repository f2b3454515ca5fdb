"""A `wsis run voting` killed between the commit of a released hold and its publish owes the answer, and pays it once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared import topology
from shared.faults import KILLED
from tests.support.events import ballot, member, nominees
from tests.support.processes import ROOT
from tests.support.streams import answers_to, events
from tests.support.waiting import wait_until_async

pytestmark = pytest.mark.slow


def start_voting(redis_url: str, data_dir: Path, database_url: str | None, log: Path, crash_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSIS_")}
    env.update({"WSIS_REPLAY": "true", "WSIS_LOG_FORMAT": "json", "WSIS_BLOCK_MS": "20"})
    if database_url:
        env["WSIS_DATABASE_URL"] = database_url
    if crash_at:
        env["WSIS_CRASH_AT"] = crash_at
    cmd = [sys.executable, "-m", "wsis.cli", "run", "voting", "--redis-url", redis_url, "--data-dir", str(data_dir)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"), cwd=ROOT)


async def test_a_released_ballot_answered_after_a_crash_between_commit_and_publish_is_published_exactly_once(
    redis, redis_url, database_url, tmp_path
):
    data_dir, log = tmp_path / "data", tmp_path / "voting.log"
    await redis.xadd(topology.IN_STAKEHOLDERS, {"__data__": json.dumps(member("v-1"))})
    held = ballot("v-1", 4, "p-1")  # timed after the list's date, sent before the list: held
    await redis.xadd(topology.IN_BALLOTS, {"__data__": json.dumps(held)})
    doomed = start_voting(redis_url, data_dir, database_url, log, crash_at="voting.release_committed")
    try:

        async def held_and_acknowledged() -> bool:
            groups = await redis.xinfo_groups(topology.IN_BALLOTS) if await redis.exists(topology.IN_BALLOTS) else []
            return any(g["name"] == b"voting" and g["lag"] == 0 and g["pending"] == 0 for g in groups)

        await wait_until_async(held_and_acknowledged, timeout=60, what="the ballot held and its entry acknowledged")
        assert await events(redis, topology.OUT_VOTING) == []

        await redis.xadd(topology.OUT_JUDGING, {"__data__": json.dumps(nominees({4: [("p-1", "org-1")]}))})
        await wait_until_async(lambda: doomed.poll() is not None, timeout=60, what="the crash after the release's commit")
        assert doomed.returncode == KILLED
        assert await events(redis, topology.OUT_VOTING) == [], "killed before the publish"
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait(30)

    again = start_voting(redis_url, data_dir, database_url, log)
    try:
        async def answered() -> bool:
            return bool(answers_to(await events(redis, topology.OUT_VOTING), held["id"]))

        await wait_until_async(answered, timeout=60, what="the owed answer published")
        await asyncio.sleep(1.0)  # rounds of the ballot lane go by: a second publish would show
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)

    (answer,) = answers_to(await events(redis, topology.OUT_VOTING), held["id"])
    assert answer["type"] == "wsis.vote.accepted"
    assert answer["data"] == {"ballot_id": held["id"], "voter_id": "v-1", "category": 4, "project_id": "p-1"}
