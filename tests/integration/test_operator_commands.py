"""`wsis status` and `wsis deadletter` against a real server, as staff use them."""

from __future__ import annotations

import json

import redis as sync_redis
from typer.testing import CliRunner

from services.submission.app import build
from shared import topology
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.streams import publish, wait_for
from wsis import ops
from wsis.cli import cli

runner = CliRunner()


async def test_status_shows_lengths_groups_and_dead_letters_by_service(settings, redis, redis_url):
    async with build(settings).app:
        await publish(redis, topology.IN_SUBMISSIONS, b"not json")
        await publish(redis, topology.IN_SUBMISSIONS, cloudevent("wsis.submission.submitted", submission("s-1")))
        await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 1)

        result = runner.invoke(cli, ["status", "--redis-url", redis_url, "--json"])
        assert result.exit_code == 0, result.output
        states = {s["stream"]: s for s in json.loads(result.stdout)}
        intake = states[topology.IN_SUBMISSIONS]
        assert intake["length"] == 2
        (group,) = intake["groups"]
        assert group["name"] == "submission" and group["pending"] == 0 and group["lag"] == 0
        assert group["consumers"][0]["alive"] is True

        table = runner.invoke(cli, ["status", "--redis-url", redis_url])
        assert "submission" in table.output and "not a CloudEvent" in table.output

        # each service of the data dir with its metrics URL
        listed = runner.invoke(cli, ["status", "--redis-url", redis_url, "--data-dir", str(settings.data_dir)], terminal_width=200)
        assert "/metrics" in listed.output and "submission-" in listed.output


async def test_a_dead_letter_is_listed_shown_and_replayed_once(settings, redis, redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    async with build(settings).app:
        event = cloudevent("wsis.submission.submitted", submission("s-2"))
        event["time"] = "2021-01-10T10:00:00"  # no offset: not a CloudEvent we can read
        await publish(redis, topology.IN_SUBMISSIONS, event)
        dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 1)
        assert "time" in dead[0]["data"]["error"]
        (letter,) = ops.dead_letters(client)

        listed = runner.invoke(cli, ["deadletter", "list", "--redis-url", redis_url, "--json"])
        assert json.loads(listed.stdout)[0]["entry_id"] == letter.entry_id
        shown = runner.invoke(cli, ["deadletter", "show", letter.entry_id, "--redis-url", redis_url])
        assert json.loads(shown.stdout)[0]["service"] == "submission"

        # the publisher fixes its clock; staff replay the original entry
        replayed = runner.invoke(cli, ["deadletter", "replay", letter.entry_id, "--redis-url", redis_url])
        assert replayed.exit_code == 0, replayed.output
        again = runner.invoke(cli, ["deadletter", "replay", letter.entry_id, "--redis-url", redis_url])
        assert again.exit_code == 1 and "was replayed as" in again.output

    assert client.xlen(topology.IN_SUBMISSIONS) == 2
    assert ops.dead_letters(client)[0].replayed_as is not None


def test_replaying_an_unknown_letter_says_so(redis_url):
    result = runner.invoke(cli, ["deadletter", "replay", "1-0", "--redis-url", redis_url])
    assert result.exit_code == 1 and "no dead letter 1-0" in result.output


def test_an_earlier_releases_groups_are_retired_and_the_services_groups_kept(redis_url):
    client = sync_redis.Redis.from_url(redis_url)
    client.xadd(topology.OUT_VOTING, {"__data__": b"{}"})
    for group in ("judging", "notify", "monitoring"):  # judging and notify read the reports here once
        client.xgroup_create(topology.OUT_VOTING, group, id="0")
    client.xreadgroup("notify", "notify-gone-1-x", {topology.OUT_VOTING: ">"})
    client.xgroup_create(topology.IN_BALLOTS, "voting", id="0", mkstream=True)

    retired = ops.retire_stale_groups(client)

    assert sorted((r.stream, r.group, r.pending) for r in retired) == [(topology.OUT_VOTING, "judging", 0), (topology.OUT_VOTING, "notify", 1)]
    assert [g["name"] for g in client.xinfo_groups(topology.OUT_VOTING)] == [b"monitoring"]
    assert [g["name"] for g in client.xinfo_groups(topology.IN_BALLOTS)] == [b"voting"]
    assert ops.retire_stale_groups(client) == []
