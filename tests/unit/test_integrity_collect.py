"""What the integrity signals read from the streams (report.integrity.collect), and the demo's copy kept as answers come (report.state)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from report.integrity.collect import Collected
from report.state import ContestState
from shared import topology


def event(kind: str, data: dict, time_: str = "2021-03-02T10:00:00Z", id_: str = "e-1") -> bytes:
    return orjson.dumps({"specversion": "1.0", "id": id_, "source": "s", "type": kind, "time": time_, "data": data})


def accepted(ballot: str, voter: str, time_: str, id_: str | None = None) -> bytes:
    data = {"ballot_id": ballot, "voter_id": voter, "category": 4, "project_id": "p-1"}
    return event("wsis.vote.accepted", data, time_, id_ or f"a-{ballot}")


def test_a_vote_is_at_its_answers_time_and_counted_once_however_often_it_is_answered() -> None:
    read = Collected()
    read.keep(topology.OUT_VOTING, accepted("b-1", "v-1", "2021-03-02T10:00:00Z"), "1-0")
    read.keep(topology.OUT_VOTING, accepted("b-1", "v-1", "2021-03-02T10:00:00Z"), "2-0")  # redelivered
    read.keep(topology.OUT_VOTING, accepted("b-2", "v-2", "2021-03-03T11:30:00+01:00"), "3-0")
    votes = read.votes()
    assert [(v.voter_id, v.at) for v in votes] == [
        ("v-1", datetime(2021, 3, 2, 10, tzinfo=UTC)), ("v-2", datetime(2021, 3, 3, 10, 30, tzinfo=UTC)),
    ]  # fmt: skip


def test_rejected_annulled_and_unreadable_answers_are_no_votes() -> None:
    read = Collected()
    rejected = {"ballot_id": "b-1", "voter_id": "v-1", "category": 4, "project_id": "p-1", "reason": "already_voted"}
    read.keep(topology.OUT_VOTING, event("wsis.vote.rejected", rejected), "1-0")
    read.keep(topology.OUT_VOTING, accepted("b-2", "v-2", "2021-03-02T10:00:00Z"), "2-0")
    read.keep(topology.OUT_VOTING, event("wsis.votes.annulled", {"voter_ids": ["v-2"]}), "3-0")
    read.keep(topology.OUT_VOTING, accepted("b-3", "v-3", "not a time"), "4-0")
    read.keep(topology.OUT_VOTING, b"{not json", "5-0")
    read.keep(topology.OUT_VOTING, event("wsis.vote.accepted", {"ballot_id": "b-4"}), "6-0")  # no voter
    assert read.votes() == []


def test_the_contest_state_hands_on_each_first_accepted_answer_and_the_annulments() -> None:
    votes = Collected()
    state = ContestState(votes_to=votes)
    state.apply(topology.OUT_VOTING, accepted("b-1", "v-1", "2021-03-02T10:00:00Z"))
    state.apply(topology.OUT_VOTING, accepted("b-1", "v-1", "2021-03-02T10:00:00Z"))
    state.apply(topology.OUT_VOTING, accepted("b-2", "v-2", "2021-03-02T11:00:00Z"))
    state.apply(topology.OUT_VOTING, event("wsis.votes.annulled", {"voter_ids": ["v-2"]}, id_="ann-1"))
    assert state.accepted == 2 and state.repeated_answers == 1
    assert [v.voter_id for v in votes.votes()] == ["v-1"]
