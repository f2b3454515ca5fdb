"""The voting service against a real server and both databases."""

from __future__ import annotations

import pytest

from services.voting.app import build
from shared import streams
from tests.helpers import answers_to, events, publish, wait_for
from bench.voting.events import ballot, member, nominees

LIST = {4: [("p-1", "org-1"), ("p-2", "org-2")], 7: [("p-3", "org-3")]}


@pytest.fixture
async def running(settings):
    service = build(settings)
    async with service.app:
        yield service


async def register(redis, *users: str, **kw):
    for user in users:
        await publish(redis, streams.IN_STAKEHOLDERS, member(user, **kw))


def answer(out, sent):
    (found,) = answers_to(out, sent["id"])
    return found


async def test_a_valid_ballot_is_accepted_with_its_fields_and_cause(running, redis):
    await register(redis, "v-1")
    await publish(redis, streams.OUT_JUDGING, nominees(LIST))
    sent = ballot("v-1", 4, "p-1")
    await publish(redis, streams.IN_BALLOTS, sent)

    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == 1)

    assert out[0]["type"] == "wsis.vote.accepted"
    assert out[0]["causationid"] == sent["id"] and out[0]["source"] == "wsis-prizes/voting"
    assert out[0]["data"] == {"ballot_id": sent["id"], "voter_id": "v-1", "category": 4, "project_id": "p-1"}
    assert out[0]["time"] == "2021-03-10T10:00:00Z"


async def test_every_ballot_gets_the_first_reason_that_applies(running, redis):
    await register(redis, "v-1", "v-2")
    await register(redis, "v-own", entity_id="org-1")
    await register(redis, "v-half", complete=False)
    await publish(redis, streams.OUT_JUDGING, nominees(LIST))
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
        await publish(redis, streams.IN_BALLOTS, sent)

    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == len(cases))

    got = {name: answer(out, sent)["data"].get("reason", "accepted") for name, sent in cases.items()}
    assert got == {name: name for name in cases}
    assert answer(out, cases["invalid_ballot"])["data"] == {"ballot_id": cases["invalid_ballot"]["id"], "voter_id": "v-1", "project_id": "p-1", "reason": "invalid_ballot"}


async def test_a_ballot_seen_before_changes_nothing_and_gets_the_same_answer(running, redis):
    await register(redis, "v-1")
    await publish(redis, streams.OUT_JUDGING, nominees(LIST))
    first = ballot("v-1", 4, "p-1")
    await publish(redis, streams.IN_BALLOTS, first)
    await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == 1)
    await publish(redis, streams.IN_BALLOTS, first)
    other = ballot("v-1", 4, "p-2")
    await publish(redis, streams.IN_BALLOTS, other)
    changed = dict(first, data={"voter_id": "v-1", "category": 7, "project_id": "p-3"})  # same id, other data
    await publish(redis, streams.IN_BALLOTS, changed)

    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(answers_to(seen, other["id"])) == 1)

    repeats = answers_to(out, first["id"])
    assert len(repeats) >= 2 and all(r == repeats[0] for r in repeats)
    assert repeats[0]["type"] == "wsis.vote.accepted" and repeats[0]["data"]["category"] == 4
    assert answer(out, other)["data"]["reason"] == "already_voted"


async def test_a_ballot_before_the_nominee_list_is_held_until_the_list_arrives(running, redis):
    await register(redis, "v-1", "v-2")
    early = ballot("v-1", 4, "p-1")
    too_early = ballot("v-2", 4, "p-1", time_="2021-02-28T22:59:59Z")
    await publish(redis, streams.IN_BALLOTS, early)
    await publish(redis, streams.IN_BALLOTS, too_early)
    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == 1)
    assert answer(out, too_early)["data"]["reason"] == "voting_closed"

    await publish(redis, streams.OUT_JUDGING, nominees(LIST))

    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == 2)
    assert answer(out, early)["type"] == "wsis.vote.accepted"


async def test_other_judging_events_are_ignored_and_unknown_ones_dead_lettered(running, redis):
    await publish(redis, streams.OUT_JUDGING, {**nominees(LIST), "type": "wsis.nomination.recorded", "data": {"submission_id": "p-1", "category": 4}})
    await publish(redis, streams.OUT_JUDGING, {**nominees(LIST), "id": "x", "type": "wsis.something.else"})
    garbage = await publish(redis, streams.IN_BALLOTS, b"{not json")
    await publish(redis, streams.IN_STAKEHOLDERS, {**member("v-9"), "type": "wsis.ballot.cast"})

    dead = await wait_for(redis, streams.DEADLETTER, lambda seen: len(seen) == 3)

    assert {d["data"]["stream"] for d in dead} == {streams.OUT_JUDGING, streams.IN_BALLOTS, streams.IN_STAKEHOLDERS}
    assert any(d["data"]["entry_id"] == garbage and "not a CloudEvent" in d["data"]["error"] for d in dead)
    assert await events(redis, streams.OUT_VOTING) == []
    for stream in (streams.IN_BALLOTS, streams.IN_STAKEHOLDERS, streams.OUT_JUDGING):
        assert (await redis.xpending(stream, "voting"))["pending"] == 0


async def test_a_member_registered_again_is_judged_by_the_later_profile(running, redis):
    await register(redis, "v-1")
    await register(redis, "v-1", complete=False)
    await publish(redis, streams.OUT_JUDGING, nominees(LIST))
    sent = ballot("v-1", 4, "p-1")
    await publish(redis, streams.IN_BALLOTS, sent)

    out = await wait_for(redis, streams.OUT_VOTING, lambda seen: len(seen) == 1)

    assert answer(out, sent)["data"]["reason"] == "profile_incomplete"
