"""A tally anyone can check: the voting service's `ballots_root`, `wsis verify-ballot` and docs/verify_tally.py.

The service runs for real (both databases); the checker script runs as a
subprocess with the system's `python3`, none of the project's code.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shared import topology
from tests.integration.test_voting_service import LIST, WEEK_ENDS, register
from tests.support.events import ballot, nominees, tick
from tests.support.services import running as service_running
from tests.support.streams import consumed, events, of_type, publish, wait_for
from wsis.cli import cli

CHECKER = Path(__file__).resolve().parents[2] / "docs" / "verify_tally.py"
PYTHON = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or shutil.which("python3") or sys.executable
runner = CliRunner()


def root_by_hand(votes: list[tuple[str, int, str]]) -> str:
    level = [hashlib.sha256(f"{b}\n{c}\n{p}".encode()).digest() for b, c, p in sorted(votes)]
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)] + level[len(level) - len(level) % 2 :]
    return level[0].hex()


def check(dump: Path) -> subprocess.CompletedProcess[str]:
    # -I -S: no environment, no site-packages: the standard library alone.
    return subprocess.run([PYTHON, "-I", "-S", str(CHECKER), str(dump)], capture_output=True, text=True, timeout=60, cwd=dump.parent)


async def play_the_vote(settings, redis) -> dict[str, dict]:
    """Three weeks of ballots and the close, through the real service; the ballots sent, by name."""
    await register(redis, *[f"v-{i}" for i in range(12)])
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    sent = {
        "week1-a": ballot("v-0", 4, "p-1", time_="2021-03-02T10:00:00Z", id_="ballot-é-1"),
        "week1-b": ballot("v-1", 4, "p-2", time_="2021-03-03T10:00:00Z", id_="Ballot-2"),
        "week1-c": ballot("v-2", 7, "p-3", time_="2021-03-07T22:59:59Z", id_="ballot-3"),
        "twice": ballot("v-0", 4, "p-2", time_="2021-03-04T10:00:00Z", id_="ballot-4"),  # already_voted
        "unknown": ballot("nobody", 4, "p-1", time_="2021-03-04T10:00:00Z", id_="ballot-5"),
        "week2": ballot("v-3", 4, "p-1", time_="2021-03-09T10:00:00Z", id_="ballot-6"),
    }
    async with service_running("voting", settings):
        for name in ("week1-a", "week1-b", "week1-c", "twice", "unknown"):
            await publish(redis, topology.IN_BALLOTS, sent[name])
        await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:00:00Z"))
        # Published after the tick, timed before its cut-off: counted by week 1 only if its answer comes first.
        sent["late"] = ballot("v-4", 4, "p-2", time_="2021-03-07T22:59:00Z", id_="ballot-7")
        await publish(redis, topology.IN_BALLOTS, sent["late"])
        await publish(redis, topology.IN_BALLOTS, sent["week2"])
        await publish(redis, topology.IN_CLOCK, tick("2021-03-15T00:00:00Z"))
        for i in range(5, 12):
            sent[f"last-{i}"] = ballot(f"v-{i}", 4 if i % 2 else 7, "p-1" if i % 2 else "p-3", time_=f"2021-03-30T10:{i:02d}:00Z", id_=f"ballot-z{i}")
            await publish(redis, topology.IN_BALLOTS, sent[f"last-{i}"])
        await publish(redis, topology.IN_CLOCK, tick("2021-04-01T00:00:00Z"))
        await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.closed")) == 1, timeout=30)
        await consumed(redis, topology.IN_CLOCK, "voting")
    return sent


async def dump_of(redis, path: Path) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in await events(redis, topology.OUT_VOTING)))
    return path


@pytest.fixture
async def played(settings, redis):
    return await play_the_vote(settings, redis)


async def test_every_report_carries_the_root_of_the_votes_whose_answers_precede_it(played, redis):
    out = await events(redis, topology.OUT_VOTING)
    progress = of_type(out, "wsis.voting.progress")
    assert [p["data"]["as_of"] for p in progress] == WEEK_ENDS

    week1 = progress[0]
    before = out[: out.index(week1)]
    counted = [(e["data"]["ballot_id"], e["data"]["category"], e["data"]["project_id"]) for e in of_type(before, "wsis.vote.accepted")
               if e["time"] < week1["data"]["as_of"]]  # fmt: skip
    assert {b for b, _, _ in counted} >= {"ballot-é-1", "Ballot-2", "ballot-3"}
    assert week1["data"]["ballots_root"] == root_by_hand(counted)
    week1_votes = sum(p["votes"] for c in week1["data"]["categories"] for p in c["projects"])
    assert week1_votes == len(counted)

    closed = of_type(out, "wsis.voting.closed")[0]["data"]
    accepted = [(e["data"]["ballot_id"], e["data"]["category"], e["data"]["project_id"]) for e in of_type(out, "wsis.vote.accepted")]
    assert len(accepted) == 12 and closed["ballots_root"] == root_by_hand(accepted)


async def test_the_standalone_checker_agrees_with_a_real_run(played, redis, tmp_path):
    done = check(await dump_of(redis, tmp_path / "voting.jsonl"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" votes, match, ballots_root ") == 6
    assert "6 reports: every tally and ballots_root matches" in done.stdout


async def test_the_checker_finds_a_vote_removed_from_the_dump(played, redis, tmp_path):
    out = await events(redis, topology.OUT_VOTING)
    removed = next(e for e in of_type(out, "wsis.vote.accepted") if e["data"]["ballot_id"] == "ballot-6")
    dump = tmp_path / "tampered.jsonl"
    dump.write_text("".join(json.dumps(e) + "\n" for e in out if e is not removed))

    done = check(dump)

    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert ", match, ballots_root " in lines[0]  # week 1 came before the vote
    assert lines[1].startswith("progress of week 2 as of 2021-03-14T23:00:00Z: ") and lines[1].endswith(" votes, MISMATCH")
    assert lines[2:4] == ["  category 4, p-1: published 2, recounted 1", lines[3]] and lines[3].startswith("  ballots_root: published ")
    assert lines[-1] == "6 reports: 5 MISMATCH"


async def test_the_dump_of_wsis_and_of_redis_cli_read_the_same(played, redis, settings, tmp_path):
    dumped = tmp_path / "by-wsis.jsonl"
    result = await asyncio.to_thread(runner.invoke, cli, ["voting-dump", "-o", str(dumped), "--redis-url", settings.redis_url])
    assert result.exit_code == 0, result.output
    # `redis-cli --raw XRANGE` prints each entry's id and field name on lines of their own.
    raw = tmp_path / "by-redis-cli.txt"
    entries = await redis.xrange(topology.OUT_VOTING)
    raw.write_bytes(b"".join(entry_id + b"\n__data__\n" + fields[b"__data__"] + b"\n" for entry_id, fields in entries))

    assert check(dumped).stdout == check(raw).stdout
    assert check(dumped).returncode == 0


async def verify(settings, ballot_id: str):
    return await asyncio.to_thread(runner.invoke, cli, ["verify-ballot", ballot_id, "--redis-url", settings.redis_url])


async def test_verify_ballot_proves_a_counted_vote(played, settings):
    result = await verify(settings, "ballot-é-1")

    assert result.exit_code == 0, result.output
    assert "ballot ballot-é-1: accepted (category 4, project p-1" in result.output
    assert "latest report: the close, as of 2021-03-31T21:00:00Z, counting 12 votes" in result.output
    assert "rebuilt from the stream: the same" in result.output
    assert "sibling on the right" in result.output or "sibling on the left" in result.output
    assert "the vote counts: its proof leads to the published ballots_root" in result.output


async def test_verify_ballot_refuses_a_rejected_ballot_and_an_unknown_one(played, settings):
    rejected = await verify(settings, "ballot-4")
    unknown = await verify(settings, "no-such-ballot")

    assert rejected.exit_code == 1 and "rejected: already_voted" in rejected.output
    assert "the vote does not count: the ballot was not accepted" in rejected.output
    assert unknown.exit_code == 1 and "no answer on wsis:out:voting" in unknown.output


def test_verify_ballot_with_no_system_says_so_in_one_line(tmp_path):
    result = runner.invoke(cli, ["verify-ballot", "b-1", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert "nothing to read" in result.output and "Traceback" not in result.output
