"""Staff annulments (CONTRACT 5.2, "Annulment") through the real voting service, on both databases.

The reports are checked against the contract's own definitions computed
here, from the answers on the stream, and with docs/verify_tally.py.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from services.voting import store
from shared import topology
from shared.audit import AppendOnlyError
from shared.db import make_engine, service_database_url
from tests.integration.test_voting_service import LIST, answer, register
from tests.integration.test_voting_tally_check import check, dump_of, root_by_hand, verify
from tests.support.events import ballot, cloudevent, nominees, tick
from tests.support.services import running as service_running
from tests.support.streams import consumed, of_type, publish, wait_for

DURING = "2021-03-12T10:00:00Z"


def annulment(*voters: object, time_: str = DURING, **changes: object) -> dict:
    data = {"voter_ids": list(voters), "staff_member_id": "staff-7", "reason": "one campaign of fake members", **changes}
    return cloudevent("wsis.staff.votes_annulled", data, time_=time_, source="console")


def counted(out: list[dict], report: dict, annulled: set[str]) -> list[tuple[str, int, str]]:
    """The votes a report counts by the contract: accepted before it, timed before its `as_of`, voter not annulled."""
    before = out[: out.index(report)]
    return [(e["data"]["ballot_id"], e["data"]["category"], e["data"]["project_id"]) for e in of_type(before, "wsis.vote.accepted")
            if e["time"] < report["data"]["as_of"] and e["data"]["voter_id"] not in annulled]  # fmt: skip


def engine_of(settings):
    return make_engine("voting", settings.data_dir, service_database_url("voting", settings.database_url))


async def answered(redis, *sent: dict) -> list[dict]:
    ids = {s["id"] for s in sent}
    return await wait_for(redis, topology.OUT_VOTING, lambda seen: ids <= {e["causationid"] for e in seen}, timeout=30)


@pytest.fixture
async def running(settings):
    async with service_running("voting", settings) as service:
        yield service


async def test_an_annulment_stops_the_votes_counting_and_suspends_the_voters(running, redis, settings, tmp_path):
    await register(redis, "fake-1", "fake-2", "honest")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    week1 = "2021-03-05T10:00:00Z"
    first = [ballot("fake-1", 4, "p-1", id_="b-f1", time_=week1), ballot("fake-1", 7, "p-3", id_="b-f1b", time_=week1),
             ballot("fake-2", 4, "p-1", id_="b-f2", time_=week1), ballot("honest", 4, "p-2", id_="b-h", time_=week1)]  # fmt: skip
    for sent in first:
        await publish(redis, topology.IN_BALLOTS, sent)
    await answered(redis, *first)
    await publish(redis, topology.IN_CLOCK, tick("2021-03-07T23:00:00Z"))  # week 1 counts them all
    # (The clock and the staff are two streams: without this wait the annulment could come first.)
    await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.progress")) == 1)

    annul = annulment("fake-1", "fake-2", "fake-1", "never-voted")
    await publish(redis, topology.IN_STAFF, annul)
    await answered(redis, annul)
    # Ballots after the annulment's answer (one published in the same moment may be decided before it:
    # its vote is then annulled with the others, and its answer comes first on the stream).
    later = [ballot("fake-1", 9, "p-1", time_="2021-03-13T10:00:00Z"), ballot("nobody", 4, "p-1", time_="2021-03-13T10:00:00Z"),
             ballot("honest", 7, "p-3", time_="2021-03-13T10:00:00Z")]  # fmt: skip
    for sent in later:
        await publish(redis, topology.IN_BALLOTS, sent)
    out = await answered(redis, annul, *later)

    reply = answer(out, annul)
    assert reply["type"] == "wsis.votes.annulled"
    assert reply["data"] == {"voter_ids": ["fake-1", "fake-2", "never-voted"], "votes_annulled": 3, "staff_member_id": "staff-7",
                              "reason": "one campaign of fake members"}  # fmt: skip
    assert reply["time"] == "2021-03-12T10:00:00Z" and reply["source"] == "wsis-prizes/voting"
    reasons = [answer(out, sent)["data"].get("reason", "accepted") for sent in later]
    assert reasons == ["voter_suspended", "voter_unknown", "accepted"]

    await publish(redis, topology.IN_CLOCK, tick("2021-03-15T00:00:00Z"))
    await publish(redis, topology.IN_CLOCK, tick("2021-04-01T00:00:00Z"))
    out = await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.closed")) == 1, timeout=30)

    week1, week2 = of_type(out, "wsis.voting.progress")[:2]
    closed = of_type(out, "wsis.voting.closed")[0]
    tally_of = {c["category"]: {p["project_id"]: p["votes"] for p in c["projects"]} for c in week1["data"]["categories"]}
    assert tally_of[4] == {"p-1": 2, "p-2": 1} and tally_of[7] == {"p-3": 1}  # before the annulment: everything
    tally_of = {c["category"]: {p["project_id"]: p["votes"] for p in c["projects"]} for c in week2["data"]["categories"]}
    assert tally_of[4] == {"p-1": 0, "p-2": 1} and tally_of[7] == {"p-3": 1}  # after: the honest voter's alone
    closed_tally = {c["category"]: {t["project_id"]: t["votes"] for t in c["tally"]} for c in closed["data"]["categories"]}
    assert closed_tally[4] == {"p-1": 0, "p-2": 1} and closed_tally[7] == {"p-3": 1}
    for report, annulled in ((week1, set()), (week2, {"fake-1", "fake-2"}), (closed, {"fake-1", "fake-2"})):
        assert report["data"]["ballots_root"] == root_by_hand(counted(out, report, annulled))
    done = check(await dump_of(redis, tmp_path / "voting.jsonl"))
    assert done.returncode == 0, done.stdout + done.stderr

    proven = await verify(settings, "b-h")
    assert proven.exit_code == 0, proven.output
    refused = await verify(settings, "b-f1")
    assert refused.exit_code == 1
    assert "staff annulled the voter's votes" in refused.output


async def test_annulments_after_the_close_before_the_opening_or_unfit_are_refused(running, redis):
    await register(redis, "v-1")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    sent = {
        "early": annulment("v-1", time_="2021-02-28T10:00:00Z"),
        "unfit": annulment("v-1", " ", 7, staff_member_id=""),
        "none": annulment(),
        "after": annulment("v-1", time_="2021-04-01T10:00:00Z"),
    }
    for one in sent.values():
        await publish(redis, topology.IN_STAFF, one)
    out = await answered(redis, *sent.values())

    got = {name: (answer(out, one)["type"], answer(out, one)["data"]) for name, one in sent.items()}
    assert got == {
        "early": ("wsis.annulment.refused", {"voter_ids": ["v-1"], "reason": "invalid_decision"}),
        "unfit": ("wsis.annulment.refused", {"voter_ids": ["v-1"], "reason": "invalid_decision"}),
        "none": ("wsis.annulment.refused", {"voter_ids": [], "reason": "invalid_decision"}),
        "after": ("wsis.annulment.refused", {"voter_ids": ["v-1"], "reason": "too_late"}),
    }

    # Timed inside the window, but the close is published already.
    await publish(redis, topology.IN_CLOCK, tick("2021-04-01T00:00:00Z"))
    await wait_for(redis, topology.OUT_VOTING, lambda seen: len(of_type(seen, "wsis.voting.closed")) == 1, timeout=30)
    late = annulment("v-1", time_="2021-03-30T10:00:00Z")
    await publish(redis, topology.IN_STAFF, late)
    out = await answered(redis, late)
    assert answer(out, late)["data"] == {"voter_ids": ["v-1"], "reason": "too_late"}
    # Refused: nobody suspended.
    voted = ballot("v-1", 4, "p-1", time_="2021-03-30T11:00:00Z")
    await publish(redis, topology.IN_BALLOTS, voted)
    out = await answered(redis, voted)
    assert answer(out, voted)["type"] == "wsis.vote.accepted"


async def test_every_decision_is_kept_in_an_append_only_trail(running, redis, settings):
    await register(redis, "v-1")
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    vote = ballot("v-1", 4, "p-1")
    await publish(redis, topology.IN_BALLOTS, vote)
    await answered(redis, vote)
    accepted, refused = annulment("v-1"), annulment("v-1", time_="2021-04-02T00:00:00Z")
    await publish(redis, topology.IN_STAFF, accepted)
    await publish(redis, topology.IN_STAFF, refused)
    await publish(redis, topology.IN_STAFF, accepted)  # delivered twice: one decision
    await answered(redis, accepted, refused)
    await consumed(redis, topology.IN_STAFF, "voting")

    engine = engine_of(settings)
    try:
        with Session(engine) as session:
            trail = session.exec(select(store.AnnulmentRow).order_by(store.AnnulmentRow.seq)).all()
            assert [(r.event_id, r.outcome, r.votes_annulled, r.staff_member_id, r.voter_ids) for r in trail] == [
                (accepted["id"], "annulled", 1, "staff-7", ["v-1"]),
                (refused["id"], "too_late", 0, "staff-7", ["v-1"]),
            ]
            assert trail[1].why == "voting has closed"
            assert store.suspended(session.connection()) == {"v-1"}
            row = trail[0]
            row.outcome = "changed"
            session.add(row)
            with pytest.raises(AppendOnlyError):
                session.flush()
        with Session(engine) as session, pytest.raises(AppendOnlyError):
            session.delete(session.exec(select(store.SuspendedRow)).one())
            session.flush()
        with engine.connect() as conn:
            (annulled,) = conn.execute(text("SELECT annulled FROM voting_vote WHERE voter_id = 'v-1'")).one()
            assert annulled is not None
    finally:
        engine.dispose()


async def test_a_suspension_holds_across_a_restart_and_for_held_ballots(settings, redis):
    await register(redis, "v-1", "v-2")
    # Held: timed after the list's date, arrived before the list.
    held = ballot("v-2", 4, "p-1", time_="2021-03-12T11:00:00Z")
    async with service_running("voting", settings):
        await publish(redis, topology.IN_BALLOTS, held)
        await asyncio.sleep(0.3)
        annul = annulment("v-1", "v-2")
        await publish(redis, topology.IN_STAFF, annul)
        out = await answered(redis, annul)
        assert answer(out, annul)["data"]["votes_annulled"] == 0
    async with service_running("voting", settings):
        await publish(redis, topology.OUT_JUDGING, nominees(LIST))
        after = ballot("v-1", 7, "p-3", time_="2021-03-13T10:00:00Z")
        await publish(redis, topology.IN_BALLOTS, after)
        out = await answered(redis, held, after)
    assert answer(out, held)["data"]["reason"] == "voter_suspended"
    assert answer(out, after)["data"]["reason"] == "voter_suspended"


async def test_ballots_published_before_the_annulment_are_answered_before_it(running, redis):
    voters = [f"v-{i}" for i in range(40)]
    await register(redis, *voters)
    await publish(redis, topology.OUT_JUDGING, nominees(LIST))
    before = [ballot(v, 4, "p-1") for v in voters]
    async with redis.pipeline(transaction=False) as pipe:
        for sent in before:
            pipe.xadd(topology.IN_BALLOTS, {"__data__": json.dumps(sent)})
        await pipe.execute()
    annul = annulment(*voters[:20])
    await publish(redis, topology.IN_STAFF, annul)
    out = await answered(redis, annul, *before)

    position = out.index(answer(out, annul))
    assert all(out.index(answer(out, sent)) < position for sent in before)
    assert answer(out, annul)["data"]["votes_annulled"] == 20
