"""The judging service against a real server and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from services.judging.app import build
from shared import topology
from shared.events import T
from shared.outbox import ProcessedEvent
from tests.support.events import cloudevent, tick
from tests.support.services import running as service_running
from tests.support.streams import answers_to, events, publish, wait_for

FINALISTS = {c: [f"p{c:02}{i}" for i in range(5)] for c in range(1, 19)}


@pytest.fixture
async def running(settings):
    async with service_running("judging", settings) as service:
        yield service


def received(sid: str, category: int = 4) -> dict:
    data = {"submission_id": sid, "entity": {"entity_id": f"org-{sid}"}, "category": category, "title": f"Project {sid}", "revision": 1}
    return cloudevent(T.SUBMISSION_RECEIVED, data, time_="2021-01-20T10:00:00Z")


def screened(sid: str, category: int = 4, outcome: str = "eligible") -> dict:
    data = {"submission_id": sid, "entity_id": f"org-{sid}", "category": category, "outcome": outcome, "rules": [], "nominable": True}
    return cloudevent(T.SUBMISSION_SCREENED, data, time_="2021-01-20T10:00:01Z")


def nominated(sid: str, category: int = 4, time_: str = "2021-02-10T10:00:00Z") -> dict:
    return cloudevent(T.PANEL_NOMINATED, {"submission_id": sid, "category": category, "panel_member_id": "m-1"}, time_=time_)


def selected(category: int, sid: str) -> dict:
    return cloudevent(T.PANEL_WINNER_SELECTED, {"category": category, "submission_id": sid, "panel_member_id": "m-1"}, time_="2021-04-05T10:00:00Z")


def voting_closed() -> dict:
    categories = [{"category": c, "finalists": f, "tally": [], "ties": []} for c, f in FINALISTS.items()]
    return cloudevent(T.VOTING_CLOSED, {"as_of": "2021-03-31T21:00:00Z", "ballots_root": "0000000000000000000000000000000000000000000000000000000000000000", "categories": categories}, time_="2021-03-31T21:00:00Z")


async def test_a_nomination_that_arrives_before_its_verdict_is_answered_once_the_verdict_comes(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("p-1"))
    sent = nominated("p-1")
    await publish(redis, topology.IN_PANEL, sent)
    await publish(redis, topology.OUT_ELIGIBILITY, screened("p-1"))

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 1)

    assert out[0]["type"] == T.NOMINATION_RECORDED and out[0]["causationid"] == sent["id"]
    assert out[0]["source"] == "wsis-prizes/judging" and out[0]["time"] == "2021-02-10T10:00:00Z"


async def test_a_nomination_of_an_entry_never_received_is_refused_at_once_and_holds_up_no_other(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("p-1"))
    await publish(redis, topology.OUT_SUBMISSION, received("p-2"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("p-2"))
    waiting, ghost, valid = nominated("p-1"), nominated("typo"), nominated("p-2")
    for sent in (waiting, ghost, valid):
        await publish(redis, topology.IN_PANEL, sent)

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 2)

    assert [(e["causationid"], e["type"], e["data"].get("reason")) for e in out] == [
        (ghost["id"], T.NOMINATION_REFUSED, "unknown_submission"), (valid["id"], T.NOMINATION_RECORDED, None)]  # fmt: skip


async def test_a_nomination_of_an_entry_in_review_is_recorded_once_staff_decide_it_eligible(running, redis):
    await publish(redis, topology.OUT_SUBMISSION, received("p-1"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("p-1", outcome="needs_review"))
    sent = nominated("p-1")
    await publish(redis, topology.IN_PANEL, sent)
    await publish(redis, topology.IN_PANEL, nominated("typo"))  # answered: the first is waiting, not lost
    await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 1)
    decided = screened("p-1") | {"id": "decided-1"}
    decided["data"] = decided["data"] | {"decided_by": {"staff_member_id": "s-7", "reason": "not a copy", "machine_outcome": "needs_review"}}
    await publish(redis, topology.OUT_ELIGIBILITY, decided)

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 2)

    assert (out[1]["type"], out[1]["causationid"]) == (T.NOMINATION_RECORDED, sent["id"])


async def test_the_nominee_list_counts_everything_published_before_its_tick(running, redis):
    for i in range(20):
        await publish(redis, topology.OUT_SUBMISSION, received(f"p-{i:02}"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened(f"p-{i:02}"))
    for i in range(21):
        await publish(redis, topology.IN_PANEL, nominated(f"p-{i:02}"))
    await publish(redis, topology.IN_CLOCK, tick("2021-02-28T23:00:00Z"))

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: any(e["type"] == T.NOMINATIONS_PUBLISHED for e in seen))

    published = next(e for e in out if e["type"] == T.NOMINATIONS_PUBLISHED)["data"]["categories"]
    assert [n["submission_id"] for n in published[3]["nominees"]] == [f"p-{i:02}" for i in range(20)]
    refused = [e["data"] for e in out if e["type"] == T.NOMINATION_REFUSED]
    assert refused == [{"submission_id": "p-20", "category": 4, "reason": "unknown_submission"}]


async def test_a_second_winner_selection_is_refused_already_decided_after_a_restart(settings, redis):
    first = build(settings)
    async with first.app:
        await publish(redis, topology.VOTING_REPORTS, voting_closed())
        await publish(redis, topology.IN_PANEL, selected(4, "p042"))
        sealed = await wait_for(redis, topology.SEALED_JUDGING, lambda seen: len(seen) == 1)
    assert sealed[0]["data"] == {"category": 4, "submission_id": "p042"}

    again = build(settings)
    async with again.app:
        second = selected(4, "p041")
        await publish(redis, topology.IN_PANEL, second)
        out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(answers_to(seen, second["id"])) == 1)

    assert out[-1]["type"] == T.WINNER_REFUSED
    assert out[-1]["data"] == {"category": 4, "submission_id": "p041", "reason": "already_decided"}
    assert len(await events(redis, topology.SEALED_JUDGING)) == 1


async def test_judging_reads_the_reports_not_the_ballots_answers(running, redis):
    """The close comes on voting's internal copy of its reports: the million answers on wsis:out:voting are never read."""
    for i in range(1200):
        kind = (T.VOTE_ACCEPTED, T.VOTE_REJECTED)[i % 2]
        await redis.xadd(topology.OUT_VOTING, {"__data__": json.dumps(cloudevent(kind, {"ballot_id": str(i)}))})
    await publish(redis, topology.VOTING_REPORTS, cloudevent(T.VOTING_PROGRESS, {"week": 1}))
    await publish(redis, topology.VOTING_REPORTS, voting_closed())
    await publish(redis, topology.IN_PANEL, selected(7, "p071"))

    await wait_for(redis, topology.SEALED_JUDGING, lambda seen: len(seen) == 1)

    assert await events(redis, topology.DEADLETTER) == []
    assert [g["name"] for g in await redis.xinfo_groups(topology.OUT_VOTING)] == []
    assert (await redis.xpending(topology.VOTING_REPORTS, "judging"))["pending"] == 0
    with Session(running.ctx.engine) as session:
        handled = select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.stream == topology.VOTING_REPORTS)
        assert session.exec(handled).one() == 1  # the close; the progress passed unread


async def test_the_reports_stream_dead_letters_garbage_and_applies_the_close(running, redis):
    assert topology.VOTING_REPORTS not in running.lanes  # a handful of entries: an ordinary subscriber
    await publish(redis, topology.VOTING_REPORTS, b"{not json")
    await publish(redis, topology.VOTING_REPORTS, cloudevent(T.VOTE_ACCEPTED, {"ballot_id": "b-1"}))
    await publish(redis, topology.VOTING_REPORTS, voting_closed())
    await publish(redis, topology.IN_PANEL, selected(7, "p071"))

    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 2)
    await wait_for(redis, topology.SEALED_JUDGING, lambda seen: len(seen) == 1)

    assert {d["data"]["stream"] for d in dead} == {topology.VOTING_REPORTS}
    assert "unknown event type 'wsis.vote.accepted'" in dead[1]["data"]["error"]
    assert (await redis.xpending(topology.VOTING_REPORTS, "judging"))["pending"] == 0


async def test_unfit_panel_data_is_refused_and_garbage_is_dead_lettered(running, redis):
    bad = cloudevent(T.PANEL_NOMINATED, {"submission_id": "p-1", "category": "four"})
    await publish(redis, topology.IN_PANEL, b"{not json")
    await publish(redis, topology.IN_PANEL, cloudevent("wsis.panel.vetoed", {}))
    await publish(redis, topology.IN_PANEL, bad)

    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 1)
    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 2)

    assert out[0]["causationid"] == bad["id"] and out[0]["data"]["reason"] == "category_mismatch"
    assert {e["field"] for e in out[0]["data"]["errors"]} == {"category", "panel_member_id"}
    assert "unknown event type 'wsis.panel.vetoed'" in dead[1]["data"]["error"]


async def test_an_unfit_verdict_is_dead_lettered_after_bounded_retries_and_the_rest_goes_on(running, redis):
    await publish(redis, topology.OUT_ELIGIBILITY, cloudevent(T.SUBMISSION_SCREENED, {"submission_id": "p-1"}))
    await publish(redis, topology.OUT_SUBMISSION, received("p-2"))
    await publish(redis, topology.OUT_ELIGIBILITY, screened("p-2"))
    await publish(redis, topology.IN_PANEL, nominated("p-2"))

    dead = await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 1, timeout=20)
    out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len(seen) == 1)

    assert "gave up after 3 deliveries" in dead[0]["data"]["error"]
    assert out[0]["type"] == T.NOMINATION_RECORDED


async def test_two_replicas_never_record_more_than_twenty_nominees_in_a_category(settings, redis):
    for i in range(26):
        await publish(redis, topology.OUT_SUBMISSION, received(f"p-{i:02}"))
        await publish(redis, topology.OUT_ELIGIBILITY, screened(f"p-{i:02}"))
    one, two = build(settings), build(settings)
    async with one.app, two.app:
        await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: True)
        for i in range(26):
            await publish(redis, topology.IN_PANEL, nominated(f"p-{i:02}"))
        out = await wait_for(redis, topology.OUT_JUDGING, lambda seen: len({e["causationid"] for e in seen}) == 26, timeout=30)

    answers = {e["causationid"]: e for e in out}  # a retried batch may publish an answer twice, same id
    recorded = [e["data"]["submission_id"] for e in answers.values() if e["type"] == T.NOMINATION_RECORDED]
    refused = [e["data"]["reason"] for e in answers.values() if e["type"] == T.NOMINATION_REFUSED]
    assert len(set(recorded)) == len(recorded) == 20
    assert refused == ["category_full"] * 6
