"""Winner selection, the ceremony and the nominee list (CONTRACT 5.3, 5.4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.judging.domain import ceremony
from services.judging.domain.common import Hold, Ignore
from services.judging.domain.winners import (
    QUEUE,
    Record,
    Refuse,
    SelectionFacts,
    decide_selection,
    read_selection,
)
from shared.contest import load_contest
from shared.events import Nominee, WinnerSelected

CONTEST = load_contest()
IN_PHASE_4 = datetime(2021, 4, 5, 10, 0, tzinfo=UTC)
SELECTION = WinnerSelected(category=4, submission_id="p-3", panel_member_id="m-1")
FINALISTS = ("p-1", "p-2", "p-3", "p-4", "p-5")
FACTS = SelectionFacts(finalists=FINALISTS, decided=False, announced=False, queue_waiting=False)


def decide(facts: SelectionFacts = FACTS, time: datetime = IN_PHASE_4, **kwargs):
    return decide_selection(SELECTION, time, facts, CONTEST, **kwargs)


def reason(decision: object) -> str:
    assert isinstance(decision, Refuse), decision
    return decision.refused.reason


def test_a_finalist_chosen_inside_phase_4_is_recorded_as_the_categorys_winner():
    decision = decide()
    assert isinstance(decision, Record)
    assert decision.recorded.model_dump() == {"category": 4, "submission_id": "p-3"}


@pytest.mark.parametrize(
    "time",
    [
        datetime(2021, 3, 31, 21, 59, tzinfo=UTC),  # voting still open in Geneva
        datetime(2021, 4, 12, 22, 0, tzinfo=UTC),  # 2021-04-13 00:00 Geneva: phase 4 is over
    ],
)
def test_a_selection_outside_phase_4_is_refused_outside_window(time):
    assert reason(decide(time=time)) == "outside_window"


def test_phase_4_opens_at_midnight_in_geneva():
    assert isinstance(decide(time=datetime(2021, 3, 31, 22, 0, tzinfo=UTC)), Record)


def test_a_selection_from_the_future_is_refused_outside_window():
    assert reason(decide(in_future=True)) == "outside_window"


def test_a_selection_after_the_ceremony_is_refused_outside_window():
    assert reason(decide(replace(FACTS, announced=True))) == "outside_window"


def test_a_selection_before_the_close_of_voting_has_arrived_waits():
    assert decide(replace(FACTS, finalists=None)) == Hold(QUEUE, "the close of voting has not arrived")
    assert isinstance(decide(replace(FACTS, queue_waiting=True)), Hold)


def test_a_project_that_is_not_a_finalist_is_refused_not_a_finalist():
    assert reason(decide(replace(FACTS, finalists=("p-1", "p-2", "p-4", "p-5", "p-6")))) == "not_a_finalist"
    assert reason(decide(replace(FACTS, finalists=()))) == "not_a_finalist"


def test_a_second_selection_in_a_decided_category_is_refused_already_decided():
    assert reason(decide(replace(FACTS, decided=True))) == "already_decided"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"category": 4, "panel_member_id": "m"}, "not_a_finalist"),
        ({"category": 0, "submission_id": "p-3", "panel_member_id": "m"}, "not_a_finalist"),
        ({"category": 4, "submission_id": "p-3"}, "outside_window"),
    ],
)
def test_an_unfit_selection_is_refused_with_a_contract_reason_and_its_errors(data, expected):
    found = read_selection(data)
    assert reason(found) == expected and found.refused.errors


# --- the ceremony ----------------------------------------------------------------


def announce(time=datetime(2021, 5, 18, 12, 0, tzinfo=UTC), **facts):
    given = {"closed": True, "announced": False, "queue_waiting": False} | facts
    return ceremony.decide_announcement(time, CONTEST, **given)


def test_the_ceremony_is_announced_once_the_vote_has_closed():
    assert isinstance(announce(), ceremony.Announce)
    assert isinstance(announce(announced=True), Ignore)


def test_the_ceremony_waits_for_the_close_of_voting_and_for_selections_that_wait():
    assert isinstance(announce(closed=False), Hold)
    assert isinstance(announce(queue_waiting=True), Hold)


def test_a_ceremony_before_phase_4_opens_is_ignored():
    assert isinstance(announce(time=datetime(2021, 3, 20, tzinfo=UTC)), Ignore)
    assert isinstance(announce(in_future=True), Ignore)


def test_the_awards_name_one_winner_and_four_champions_per_decided_category():
    finalists = {c: [f"p-{c}-{i}" for i in range(5)] for c in range(1, 19)}
    winners = {c: f"p-{c}-2" for c in range(1, 19)}
    announced, undecided = ceremony.awards(range(1, 19), finalists, winners)
    assert undecided == []
    assert [a.category for a in announced.categories] == list(range(1, 19))
    assert all(len(a.champions) == 4 and a.winner not in a.champions for a in announced.categories)
    assert announced.categories[0].model_dump() == {"category": 1, "winner": "p-1-2", "champions": ["p-1-0", "p-1-1", "p-1-3", "p-1-4"]}


def test_a_category_without_a_decision_has_no_winner_and_five_champions():
    announced, undecided = ceremony.awards([1, 2], {1: list("abcde"), 2: list("vwxyz")}, {1: "c"})
    assert undecided == [2]
    assert announced.categories[1].model_dump() == {"category": 2, "winner": None, "champions": list("vwxyz")}


def test_the_nominee_list_has_every_category_and_names_the_short_ones():
    nominee = Nominee(submission_id="p-1", entity_id="org-1", title="Digital classrooms")
    full = [nominee.model_copy(update={"submission_id": f"p-{i}"}) for i in range(20)]
    published = ceremony.nominee_list(range(1, 19), {4: [nominee], 7: full})
    assert [c.category for c in published.categories] == list(range(1, 19))
    assert ceremony.short_categories(published, 20) == {c: (1 if c == 4 else 0) for c in range(1, 19) if c != 7}
