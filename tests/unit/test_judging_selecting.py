"""Winners and the ceremony through the handler and a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, delete, select, update
from structlog.testing import capture_logs

from services.judging.store.tables import (
    CategoryWinner,
    DecisionOutcome,
    Finalists,
    Milestone,
    PanelDecision,
)
from shared import topology
from shared.audit import AppendOnlyError
from shared.events import T
from tests.support.judging import Judging, answer, only

FINALISTS = {c: [f"p{c:02}{i}" for i in range(5)] for c in range(1, 19)}


@pytest.fixture
def judging(tmp_path) -> Judging:
    return Judging(tmp_path)


def test_a_finalist_selected_in_phase_4_is_recorded_on_the_sealed_stream_only(judging):
    judging.close_voting(FINALISTS)
    sent, effects = judging.select(4, "p042")
    stream, event = only(effects)
    assert stream == topology.SEALED_JUDGING
    assert (event.type, event.data, event.causationid) == (T.WINNER_RECORDED, {"category": 4, "submission_id": "p042"}, sent.id)


def test_each_refusal_reason_of_a_selection(judging):
    judging.close_voting(FINALISTS)
    judging.select(4, "p042")
    cases = [
        (judging.select(4, "p041", time="2021-04-13T10:00:00Z"), "outside_window"),
        (judging.select(4, "p051"), "not_a_finalist"),
        (judging.select(4, "p041"), "already_decided"),
    ]
    for (sent, effects), expected in cases:
        stream, event = only(effects)
        assert (stream, event.type, event.data["reason"], event.causationid) == (topology.OUT_JUDGING, T.WINNER_REFUSED, expected, sent.id)


def test_a_second_selection_is_refused_already_decided_after_a_restart(judging):
    judging.close_voting(FINALISTS)
    judging.select(4, "p042")
    kind, data = answer(judging.restarted().select(4, "p040")[1])
    assert (kind, data) == (T.WINNER_REFUSED, {"category": 4, "submission_id": "p040", "reason": "already_decided"})


def test_selections_before_the_close_of_voting_wait_and_are_settled_in_order(judging):
    first, effects = judging.select(4, "p043")
    assert effects == []
    second, _ = judging.select(4, "p041")
    settled = judging.close_voting(FINALISTS)
    assert [(s, e.type, e.causationid) for s, e in settled] == [
        (topology.SEALED_JUDGING, T.WINNER_RECORDED, first.id),
        (topology.OUT_JUDGING, T.WINNER_REFUSED, second.id),
    ]
    assert settled[1][1].data["reason"] == "already_decided"


def test_a_second_close_of_voting_changes_nothing(judging):
    judging.close_voting(FINALISTS)
    judging.close_voting({4: ["x1", "x2", "x3", "x4", "x5"]})
    assert answer(judging.select(4, "x1")[1])[1]["reason"] == "not_a_finalist"


def test_the_ceremony_announces_eighteen_winners_and_seventy_two_champions(judging):
    judging.close_voting(FINALISTS)
    for category, finalists in FINALISTS.items():
        judging.select(category, finalists[category % 5])
    stream, event = only(judging.announce()[1])
    assert (stream, event.type) == (topology.OUT_JUDGING, T.AWARDS_ANNOUNCED)
    awards = event.data["categories"]
    assert len({a["winner"] for a in awards}) == 18
    assert sum(len(a["champions"]) for a in awards) == 72
    assert awards[3] == {"category": 4, "winner": "p044", "champions": ["p040", "p041", "p042", "p043"]}
    assert judging.announce("2021-05-19T12:00:00Z")[1] == []
    assert answer(judging.select(4, "p041")[1])[1]["reason"] == "outside_window"


def test_a_category_without_a_decision_is_announced_as_such(judging):
    judging.close_voting({1: FINALISTS[1], 2: FINALISTS[2]})
    judging.select(1, "p010")
    with capture_logs() as logs:
        awards = answer(judging.announce()[1])[1]["categories"]
    assert awards[1] == {"category": 2, "winner": None, "champions": FINALISTS[2]}
    assert awards[2] == {"category": 3, "winner": None, "champions": []}
    undecided = [entry["category"] for entry in logs if entry["event"] == "awards.category_undecided"]
    assert undecided == list(range(2, 19))


def test_the_ceremony_waits_for_the_close_of_voting_and_the_selections_before_it(judging):
    judging.select(4, "p042")
    assert judging.announce()[1] == []
    settled = judging.close_voting(FINALISTS)
    assert [e.type for _, e in settled] == [T.WINNER_RECORDED, T.AWARDS_ANNOUNCED]
    assert settled[1][1].data["categories"][3]["winner"] == "p042"


def test_a_ceremony_before_phase_4_is_ignored_and_audited(judging):
    assert judging.announce("2021-03-20T12:00:00Z")[1] == []
    (row, outcome), = judging.audit()
    assert (row.kind, outcome.outcome) == (T.PANEL_WINNERS_ANNOUNCED, "ignored")


def test_no_log_line_names_the_selected_submission_before_the_ceremony(judging):
    with capture_logs() as logs:
        judging.select(4, "p042")  # waits
        judging.close_voting(FINALISTS)
        judging.select(4, "p042")  # already decided
    assert logs and not [entry for entry in logs if "p042" in json.dumps(entry, default=str)]


def test_every_decision_is_audited_with_member_time_and_carrying_event(judging):
    judging.close_voting(FINALISTS)
    sent, _ = judging.select(4, "p042")
    judging.select(4, "p041")
    (first, first_outcome), (second, second_outcome) = judging.audit()
    assert (first.panel_member_id, first.decided_at, first.event_id) == ("m-7", sent.time, sent.id)
    assert json.loads(first.event)["data"]["submission_id"] == "p042"
    assert (first_outcome.outcome, second_outcome.outcome, second_outcome.reason) == ("recorded", "refused", "already_decided")


def test_a_decision_can_be_neither_changed_nor_deleted(judging):
    judging.close_voting(FINALISTS)
    judging.select(4, "p042")
    with Session(judging.engine) as session:
        row = session.exec(select(PanelDecision)).one()
        row.submission_id = "p041"
        session.add(row)
        with pytest.raises(AppendOnlyError):
            session.commit()
    for model in (PanelDecision, DecisionOutcome, CategoryWinner):
        with Session(judging.engine) as session:
            with pytest.raises(AppendOnlyError):
                session.delete(session.exec(select(model)).first())
                session.commit()
    with Session(judging.engine) as session:
        with pytest.raises(AppendOnlyError):
            session.exec(delete(CategoryWinner))
        with pytest.raises(AppendOnlyError):
            session.exec(update(DecisionOutcome).values(outcome="refused"))
    with Session(judging.engine) as session:
        assert session.exec(select(CategoryWinner)).one().submission_id == "p042"


def test_a_tick_settles_a_selection_whose_finalists_a_replica_stored_unseen(judging):
    sent, _ = judging.select(4, "p042")
    with Session(judging.engine) as session:  # another replica's commit, which woke nothing here
        session.add(Finalists(category=4, finalists=FINALISTS[4], ties=[]))
        session.add(Milestone(name="voting_closed", event_id="elsewhere", at=datetime(2021, 3, 31, 21, tzinfo=UTC)))
        session.commit()
    settled = [(event.type, event.causationid) for stream, event in judging.tick("2021-04-05T10:01:00Z") if stream == topology.SEALED_JUDGING]
    assert settled == [(T.WINNER_RECORDED, sent.id)]
