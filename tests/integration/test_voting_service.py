"""The voting service against a real server and both databases."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from services.voting import domain, store
from services.voting.app import build
from shared import topology
from tests.support.events import ballot, member, nominees, tick
from tests.support.services import running as service_running
from tests.support.streams import answers_to, consumed, events, of_type, publish, wait_for
from tests.support.waiting import wait_until_async

LIST = {4: [("p-1", "org-1"), ("p-2", "org-2")], 7: [("p-3", "org-3")]}


@pytest.fixture
async def running(settings):
    async with service_running("voting", settings) as service:
        yield service


async def register(redis, *users: str, **kw):
    for user in users:
        await publish(redis, topology.IN_STAKEHOLDERS, member(user, **kw))


def answer(out, sent):
    (found,) = answers_to(out, sent["id"])
    return found


async def test_a_valid_ballot_is_accepted_with_its_fields_and_cause(running, redis):
    await register(redis, "v-1")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    sent = ballot("v-1", 4, "p-1")
    await publish(redis, topology.IN_BALLOTS, sent)

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)

    assert out[0]["type"] == "wsis.vote.accepted"
    assert out[0]["causationid"] == sent["id"] and out[0]["source"] == "wsis-prizes/voting"
    assert out[0]["data"] == {"ballot_id": sent["id"], "voter_id": "v-1", "category": 4, "project_id": "p-1"}
    assert out[0]["time"] == "2021-03-10T10:00:00Z"


async def test_every_ballot_gets_the_first_reason_that_applies(running, redis):
    await register(redis, "v-1", "v-2")
    await register(redis, "v-own", entity_id="org-1")
    await register(redis, "v-half", complete=False)
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    cases = {
        "voter_unknown": ballot("nobody", 4, "p-1"),
        "profile_incomplete": ballot("v-half", 4, "nope", time_="2020-01-01T00:00:00Z"),
        "voting_closed": ballot("v-1", 4, "p-1", time_="2021-03-31T21:00:00Z"),
        "project_not_nominated": ballot("v-1", 4, "p-404"),
        "category_mismatch": ballot("v-1", 4, "p-3"),
        "own_project": ballot("v-own", 4, "p-1"),
        "accepted": ballot("v-2", 4, "p-2"),
        "already_voted": ballot("v-2", 4, "p-1"),
        "invalid_ballot": ballot("v-1", "4", "p-1"),
    }
    for sent in cases.values():
        await publish(redis, topology.IN_BALLOTS, sent)

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == len(cases))

    got = {name: answer(out, sent)["data"].get("reason", "accepted") for name, sent in cases.items()}
    assert got == {name: name for name in cases}
    assert answer(out, cases["invalid_ballot"])["data"] == {"ballot_id": cases["invalid_ballot"]["id"], "voter_id": "v-1", "project_id": "p-1", "reason": "invalid_ballot"}


async def test_a_ballot_seen_before_changes_nothing_and_gets_the_same_answer(running, redis):
    await register(redis, "v-1")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    first = ballot("v-1", 4, "p-1")
    await publish(redis, topology.IN_BALLOTS, first)
    await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)
    await publish(redis, topology.IN_BALLOTS, first)
    other = ballot("v-1", 4, "p-2")
    await publish(redis, topology.IN_BALLOTS, other)
    changed = dict(first, data={"voter_id": "v-1", "category": 7, "project_id": "p-3"})  # same id, other data
    await publish(redis, topology.IN_BALLOTS, changed)

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(answers_to(seen, other["id"])) == 1)

    repeats = answers_to(out, first["id"])
    assert len(repeats) >= 2 and all(r == repeats[0] for r in repeats)
    assert repeats[0]["type"] == "wsis.vote.accepted" and repeats[0]["data"]["category"] == 4
    assert answer(out, other)["data"]["reason"] == "already_voted"


async def test_a_ballot_before_the_nominee_list_is_held_until_the_list_arrives(running, redis):
    await register(redis, "v-1", "v-2")
    early = ballot("v-1", 4, "p-1")
    too_early = ballot("v-2", 4, "p-1", time_="2021-02-28T22:59:59Z")
    await publish(redis, topology.IN_BALLOTS, early)
    await publish(redis, topology.IN_BALLOTS, too_early)
    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)
    assert answer(out, too_early)["data"]["reason"] == "voting_closed"

    await publish(redis, topology.OUT_JUDGING, nominees(LIST))

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 2)
    assert answer(out, early)["type"] == "wsis.vote.accepted"


async def test_held_ballots_released_a_few_at_a_time_are_each_answered_once(settings, redis):
    service = build(settings.model_copy(update={"batch_size": 2}))  # releases two held ballots a batch
    async with service.app:
        voters = [f"v-{n}" for n in range(7)]
        await register(redis, *voters)
        held = [ballot(voter, 4, "p-1") for voter in voters]
        for one in held:
            await publish(redis, topology.IN_BALLOTS, one)
        await publish(redis, topology.OUT_JUDGING, nominees(LIST))

        await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) >= len(held), timeout=20)
        await asyncio.sleep(0.5)  # empty rounds go by: a second answer would show
        out = await events(redis, topology.OUT_VOTING)

    assert sorted(e["causationid"] for e in out) == sorted(b["id"] for b in held)
    assert {e["type"] for e in out} == {"wsis.vote.accepted"}


async def test_other_judging_events_are_ignored_and_unknown_ones_dead_lettered(running, redis):
    await publish(redis, topology.OUT_JUDGING, {**nominees(LIST), "type": "wsis.nomination.recorded", "data": {"submission_id": "p-1", "category": 4}})
    await publish(redis, topology.OUT_JUDGING, {**nominees(LIST), "id": "x", "type": "wsis.something.else"})
    garbage = await publish(redis, topology.IN_BALLOTS, b"{not json")
    await publish(redis, topology.IN_STAKEHOLDERS, {**member("v-9"), "type": "wsis.ballot.cast"})

    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 3)

    assert {d["data"]["stream"] for d in dead} == {topology.OUT_JUDGING, topology.IN_BALLOTS, topology.IN_STAKEHOLDERS}
    assert any(d["data"]["entry_id"] == garbage and "not a CloudEvent" in d["data"]["error"] for d in dead)
    assert await events(redis, topology.OUT_VOTING) == []
    for stream in (topology.IN_BALLOTS, topology.IN_STAKEHOLDERS, topology.OUT_JUDGING):
        assert (await redis.xpending(stream, "voting"))["pending"] == 0


async def test_a_member_registered_again_is_judged_by_the_later_profile(running, redis):
    await register(redis, "v-1")
    await register(redis, "v-1", complete=False)
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    sent = ballot("v-1", 4, "p-1")
    await publish(redis, topology.IN_BALLOTS, sent)

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)

    assert answer(out, sent)["data"]["reason"] == "profile_incomplete"


async def test_a_ballot_stamped_ahead_of_the_wall_clock_is_outside_the_window_unless_replaying(settings, redis):
    service = build(settings.model_copy(update={"replay": False}))
    async with service.app:
        await register(redis, "v-1")
        await publish(redis, topology.OUT_JUDGING, nominees(LIST))
        sent = ballot("v-1", 4, "p-1", time_="2999-03-10T10:00:00Z")
        await publish(redis, topology.IN_BALLOTS, sent)

        out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)

    data = answer(out, sent)["data"]
    assert data["reason"] == "voting_closed"
    assert data["errors"] == [{"field": "time", "message": domain.IN_FUTURE_MESSAGE}]


WEEK_ENDS = ["2021-03-07T23:00:00Z", "2021-03-14T23:00:00Z", "2021-03-21T23:00:00Z", "2021-03-28T22:00:00Z", "2021-03-31T21:00:00Z"]


async def test_progress_comes_once_per_voting_week_and_counts_every_ballot_before_the_tick(running, redis):
    await register(redis, *[f"v-{i}" for i in range(6)])
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    for i in range(3):
        await publish(redis, topology.IN_BALLOTS, ballot(f"v-{i}", 4, "p-1", time_="2021-03-07T22:59:59Z"))
    await publish(redis, topology.IN_BALLOTS, ballot("v-3", 4, "p-2", time_="2021-03-07T23:00:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-03-07T22:59:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:00:00Z"))  # right behind the ballots
    await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:01:00Z"))

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.progress")) == 1)
    await publish(redis, topology.IN_CLOCK, tick("2021-03-08T10:00:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-03-29T00:00:00Z"))  # jumps three weeks
    await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.progress")) == 4)
    await consumed(redis, topology.IN_CLOCK, "voting")
    out = await events(redis, topology.OUT_VOTING)

    progress = of_type(out, "wsis.voting.progress")
    assert [p["data"]["week"] for p in progress] == [1, 2, 3, 4]
    assert [p["data"]["as_of"] for p in progress] == WEEK_ENDS[:4]
    week1 = {c["category"]: c["projects"] for c in progress[0]["data"]["categories"]}
    assert week1[4] == [{"project_id": "p-1", "votes": 3, "rank": 1}, {"project_id": "p-2", "votes": 0, "rank": 2}]
    week2 = {c["category"]: c["projects"] for c in progress[1]["data"]["categories"]}
    assert week2[4][1] == {"project_id": "p-2", "votes": 1, "rank": 2}
    assert sorted(week1) == list(range(1, 19)) and week1[7] == [{"project_id": "p-3", "votes": 0, "rank": 1}]


async def test_a_tick_left_by_a_dead_replica_counts_the_ballots_it_left_too(settings, redis):
    """The retried tick waits for the ballots before it while they are reclaimed, not instead of them."""
    await register(redis, "v-1", "v-2")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    for stream in (topology.IN_BALLOTS, topology.IN_CLOCK):
        await redis.xgroup_create(stream, "voting", id="0", mkstream=True)
    sent = [ballot(voter, 4, "p-1", time_="2021-03-07T22:00:00Z") for voter in ("v-1", "v-2")]
    for one in sent:
        await publish(redis, topology.IN_BALLOTS, one)
    await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:00:00Z"))
    # A replica read them all, then died: the tick is reclaimed first, the ballots only later.
    gone = "voting-gone-1-x"
    await redis.xreadgroup("voting", gone, {topology.IN_BALLOTS: ">", topology.IN_CLOCK: ">"})
    ballot_ids = [e["message_id"] for e in await redis.xpending_range(topology.IN_BALLOTS, "voting", "-", "+", 10)]

    async def tick_taken() -> bool:
        (pending,) = await redis.xpending_range(topology.IN_CLOCK, "voting", "-", "+", 1) or [{"consumer": b"?"}]
        if pending["consumer"] == gone.encode():
            await redis.xclaim(topology.IN_BALLOTS, "voting", gone, 0, ballot_ids, justid=True)  # not idle yet
            return False
        return True

    service = build(settings.model_copy(update={"reclaim_idle_ms": 1_000, "reclaim_every_ms": 100}))
    async with service.app:
        await wait_until_async(tick_taken, what="the tick reclaimed before the ballots", every=0.2)
        out = await wait_for(redis, topology.OUT_VOTING, lambda seen: of_type(seen, "wsis.voting.progress"), timeout=20)

    (progress,) = of_type(out, "wsis.voting.progress")
    week1 = {c["category"]: c["projects"] for c in progress["data"]["categories"]}
    assert week1[4][0] == {"project_id": "p-1", "votes": 2, "rank": 1}
    assert sorted(a["causationid"] for a in of_type(out, "wsis.vote.accepted")) == sorted(one["id"] for one in sent)


async def test_ballots_go_on_while_a_report_is_counted_and_a_late_one_comes_after_the_report(settings, redis, monkeypatch):
    """The report's votes are read on a snapshot: a ballot after the cut-off is answered meanwhile;
    one timed before it (late) waits, and the report does not count it."""
    counting, slow = threading.Event(), store.counted_on

    def slow_count(*args):
        counting.set()
        time.sleep(1.5)
        return slow(*args)

    monkeypatch.setattr(store, "counted_on", slow_count)
    await register(redis, "v-1", "v-2", "v-3")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    await publish(redis, topology.IN_BALLOTS, ballot("v-1", 4, "p-1", time_="2021-03-07T10:00:00Z"))
    async with service_running("voting", settings):
        await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:00:00Z"))
        assert await asyncio.to_thread(counting.wait, 20)
        after = ballot("v-2", 4, "p-1", time_="2021-03-08T10:00:00Z")
        late = ballot("v-3", 4, "p-2", time_="2021-03-07T22:59:00Z")
        await publish(redis, topology.IN_BALLOTS, after)
        await publish(redis, topology.IN_BALLOTS, late)
        out = await wait_for(redis, topology.OUT_VOTING, lambda seen: answers_to(seen, late["id"]), timeout=20)

    (report,) = of_type(out, "wsis.voting.progress")
    order = [e["causationid"] if e["type"].startswith("wsis.vote.") else "report" for e in out]
    assert order.index(after["id"]) < order.index("report") < order.index(late["id"])
    week1 = {c["category"]: c["projects"] for c in report["data"]["categories"]}
    assert week1[4] == [{"project_id": "p-1", "votes": 1, "rank": 1}, {"project_id": "p-2", "votes": 0, "rank": 2}]


async def test_the_close_names_five_finalists_and_the_ties_across_fifth_place_once(running, redis):
    projects = [(f"p-{i}", f"org-{i}") for i in range(1, 8)]
    await publish(redis, topology.OUT_JUDGING, nominees({4: projects}))
    votes = {"p-1": 4, "p-2": 3, "p-3": 3, "p-4": 2, "p-5": 1, "p-6": 1, "p-7": 1}
    voter = 0
    for project, count in votes.items():
        for _ in range(count):
            voter += 1
            await register(redis, f"v-{voter}")
            minute = {"p-6": 10, "p-5": 20, "p-7": 30}.get(project, 1)
            await publish(redis, topology.IN_BALLOTS, ballot(f"v-{voter}", 4, project, time_=f"2021-03-20T10:{minute:02d}:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-04-01T00:00:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-04-01T00:01:00Z"))

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.closed")) == 1)
    await publish(redis, topology.IN_CLOCK, tick("2021-04-02T00:00:00Z"))
    await consumed(redis, topology.IN_CLOCK, "voting")
    out = await events(redis, topology.OUT_VOTING)

    (closed,) = of_type(out, "wsis.voting.closed")
    category = next(c for c in closed["data"]["categories"] if c["category"] == 4)
    assert category["finalists"] == ["p-1", "p-2", "p-3", "p-4", "p-6"]
    assert category["ties"] == ["p-6", "p-5", "p-7"]
    assert category["tally"][4:] == [{"project_id": "p-6", "votes": 1}, {"project_id": "p-5", "votes": 1}, {"project_id": "p-7", "votes": 1}]
    assert closed["data"]["as_of"] == "2021-03-31T21:00:00Z" and closed["time"] == "2021-03-31T21:00:00Z"
    assert [p["data"]["week"] for p in of_type(out, "wsis.voting.progress")] == [1, 2, 3, 4, 5]
    # Judging and notify read the reports on their internal copy: the same events, without the answers.
    reports = [e for e in out if e["type"] in ("wsis.voting.progress", "wsis.voting.closed")]
    assert await events(redis, topology.VOTING_REPORTS) == reports


async def test_a_copy_of_the_reports_that_went_missing_is_appended_again_at_start(settings, redis):
    """An upgrade from a release without the copy, or a copy lost: the service's start appends what it lacks."""
    async with service_running("voting", settings):
        await publish(redis, topology.IN_CLOCK, tick("2021-03-15T00:00:00Z"))
        await wait_for(redis, topology.VOTING_REPORTS, lambda seen: len(seen) == 2)
    reports = await events(redis, topology.VOTING_REPORTS)
    await redis.xdel(topology.VOTING_REPORTS, (await redis.xrange(topology.VOTING_REPORTS))[0][0])

    async with service_running("voting", settings):
        assert await events(redis, topology.VOTING_REPORTS) == [reports[1], reports[0]]
    async with service_running("voting", settings):  # whole: nothing more
        assert len(await events(redis, topology.VOTING_REPORTS)) == 2
    assert [e["data"]["week"] for e in of_type(await events(redis, topology.OUT_VOTING), "wsis.voting.progress")] == [1, 2]


async def test_a_batch_that_fails_after_commit_is_redelivered_and_answered_the_same_way(settings, redis, monkeypatch):
    from shared import bus

    real = bus.publish_all
    failures = []

    async def publish_fails_once(client, entries, *args, **kwargs):
        entries = list(entries)
        if any(stream == topology.OUT_VOTING for stream, _ in entries) and not failures:
            failures.append(len(entries))
            raise ConnectionError("the bus went away after the commit")
        return await real(client, entries, *args, **kwargs)

    monkeypatch.setattr(bus, "publish_all", publish_fails_once)
    service = build(settings)
    async with service.app:
        await register(redis, "v-1", "v-2")
        await publish(redis, topology.OUT_JUDGING, nominees(LIST))
        sent = [ballot("v-1", 4, "p-1"), ballot("v-1", 4, "p-2"), ballot("v-2", 7, "p-3")]
        for one in sent:
            await publish(redis, topology.IN_BALLOTS, one)

        out = await wait_for(redis, topology.OUT_VOTING, lambda seen: {e["causationid"] for e in seen} >= {b["id"] for b in sent}, timeout=20)
        await consumed(redis, topology.IN_BALLOTS, "voting")

    assert failures, "the first publish must have failed"
    assert [answer(out, b)["data"].get("reason", "accepted") for b in sent] == ["accepted", "already_voted", "accepted"]


async def test_the_service_recreates_its_groups_when_the_server_lost_them(running, redis):
    await register(redis, "v-1")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    await redis.delete(topology.IN_BALLOTS)  # the stream and its group are gone
    await asyncio.sleep(0.3)
    sent = ballot("v-1", 4, "p-1")
    await publish(redis, topology.IN_BALLOTS, sent)

    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1, timeout=20)

    assert answer(out, sent)["type"] == "wsis.vote.accepted"


async def test_ballots_are_answered_by_the_read_loop_without_waiting_for_a_reclaim(settings, redis):
    service = build(settings.model_copy(update={"reclaim_idle_ms": 600_000}))
    async with service.app:
        await register(redis, "v-1")
        await publish(redis, topology.OUT_JUDGING, nominees(LIST))
        sent = ballot("v-1", 4, "p-1")
        await publish(redis, topology.IN_BALLOTS, sent)

        out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1, timeout=10)

    assert answer(out, sent)["type"] == "wsis.vote.accepted"
