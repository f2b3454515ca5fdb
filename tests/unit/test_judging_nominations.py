"""Nomination rules (CONTRACT 5.3): every refusal reason, the quota, the waits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.judging.domain.common import Hold, Ignore
from services.judging.domain.nominations import (
    NominationFacts,
    Record,
    Refuse,
    Verdict,
    Withdraw,
    WithdrawalFacts,
    decide_nomination,
    decide_withdrawal,
    read_nomination,
    read_withdrawal,
)
from shared.contest import load_contest
from shared.events import NominationWithdrawn, PanelNominated

CONTEST = load_contest()
IN_WINDOW = datetime(2021, 2, 10, 9, 0, tzinfo=UTC)
NOMINATION = PanelNominated(submission_id="p-1", category=4, panel_member_id="m-1")
ELIGIBLE = Verdict(entity_id="org-1", category=4, outcome="eligible", nominable=True)
FACTS = NominationFacts(verdict=ELIGIBLE, received=True, nominated_in=None, filled=0, published=False, window_closed=False, queue_waiting=False)


def decide(facts: NominationFacts = FACTS, time: datetime = IN_WINDOW, **kwargs) -> Record | Refuse | Hold:
    return decide_nomination(NOMINATION, time, facts, CONTEST, **kwargs)


def reason(decision: object) -> str:
    assert isinstance(decision, Refuse), decision
    return decision.refused.reason


def test_an_eligible_entry_in_its_own_category_is_recorded():
    decision = decide()
    assert isinstance(decision, Record)
    assert decision.recorded.model_dump() == {"submission_id": "p-1", "category": 4}


@pytest.mark.parametrize(
    "time",
    [
        datetime(2021, 1, 31, 22, 59, 59, tzinfo=UTC),  # 23:59:59 in Geneva, the day before it opens
        datetime(2021, 2, 26, 23, 0, tzinfo=UTC),  # 2021-02-27 00:00 Geneva: the close is excluded
        datetime(2021, 3, 5, tzinfo=UTC),
    ],
)
def test_a_nomination_outside_the_window_is_refused_outside_window(time):
    assert reason(decide(time=time)) == "outside_window"


def test_the_window_includes_its_opening_instant_in_geneva_time():
    assert isinstance(decide(time=datetime(2021, 1, 31, 23, 0, tzinfo=UTC)), Record)


def test_a_nomination_from_the_future_is_refused_outside_window_with_the_reason():
    decision = decide(in_future=True)
    assert reason(decision) == "outside_window"
    assert decision.refused.errors[0].message.startswith("time_in_future")


def test_a_nomination_after_the_list_is_published_is_refused_outside_window():
    assert reason(decide(replace(FACTS, published=True))) == "outside_window"


def test_a_nomination_of_a_received_entry_whose_verdict_has_not_arrived_waits_in_the_entrys_own_queue():
    decision = decide(replace(FACTS, verdict=None))
    assert decision == Hold("nomination:p-1", "the screened verdict has not arrived")


def test_a_nomination_of_an_entry_never_received_is_unknown_submission_at_once():
    decision = decide(replace(FACTS, verdict=None, received=False))
    assert reason(decision) == "unknown_submission" and decision.why == "the submission service never received the entry"


def test_a_nomination_behind_a_waiting_decision_about_the_same_entry_waits_too_even_with_its_verdict():
    assert decide(replace(FACTS, queue_waiting=True)) == Hold("nomination:p-1", "an earlier decision about this entry waits")


def test_a_nomination_without_a_verdict_after_the_window_closed_is_unknown_submission():
    assert reason(decide(replace(FACTS, verdict=None, window_closed=True))) == "unknown_submission"


@pytest.mark.parametrize(("outcome", "window_closed"), [("ineligible", False), ("ineligible", True), ("needs_review", True)])
def test_an_entry_not_screened_eligible_is_refused_not_eligible(outcome, window_closed):
    verdict = replace(ELIGIBLE, outcome=outcome, nominable=False)
    assert reason(decide(replace(FACTS, verdict=verdict, window_closed=window_closed))) == "not_eligible"


def test_a_nomination_of_an_entry_in_review_waits_for_the_staff_decision_in_the_entrys_queue():
    decision = decide(replace(FACTS, verdict=replace(ELIGIBLE, outcome="needs_review", nominable=False)))
    assert decision == Hold("nomination:p-1", "the entry waits for a staff decision on its screening")


def test_an_eligible_entry_failing_a_nomination_pre_check_is_recorded_and_says_so():
    decision = decide(replace(FACTS, verdict=replace(ELIGIBLE, nominable=False)))
    assert isinstance(decision, Record) and decision.nominable is False


def test_a_nomination_in_another_category_than_the_entrys_is_category_mismatch():
    assert reason(decide(replace(FACTS, verdict=replace(ELIGIBLE, category=5)))) == "category_mismatch"


def test_the_twentieth_nominee_is_recorded_and_the_twenty_first_is_category_full():
    assert isinstance(decide(replace(FACTS, filled=19)), Record)
    assert reason(decide(replace(FACTS, filled=20))) == "category_full"


def test_an_entry_already_nominated_is_refused_already_nominated():
    assert reason(decide(replace(FACTS, nominated_in=4))) == "already_nominated"


def test_naming_a_nominee_again_in_a_full_category_is_already_nominated_not_category_full():
    assert reason(decide(replace(FACTS, nominated_in=4, filled=20))) == "already_nominated"


def test_reasons_apply_in_the_contracts_order():
    everything_wrong = replace(FACTS, verdict=Verdict("o", 5, "ineligible", False), nominated_in=5, filled=20)
    assert reason(decide(everything_wrong, time=datetime(2021, 1, 1, tzinfo=UTC))) == "outside_window"
    assert reason(decide(everything_wrong)) == "not_eligible"


@pytest.mark.parametrize(
    ("data", "expected", "fields"),
    [
        ({"category": 4, "panel_member_id": "m"}, "unknown_submission", {"submission_id"}),
        ({"submission_id": "  ", "category": 4, "panel_member_id": "m"}, "unknown_submission", {"submission_id"}),
        ({"submission_id": "p-1", "category": 19, "panel_member_id": "m"}, "category_mismatch", {"category"}),
        ({"submission_id": "p-1", "category": "4", "panel_member_id": "m"}, "category_mismatch", {"category"}),
        ({"submission_id": "p-1", "category": 4}, "outside_window", {"panel_member_id"}),
        ({"category": "x"}, "unknown_submission", {"submission_id", "category", "panel_member_id"}),
    ],
)
def test_data_that_does_not_fit_is_refused_with_a_contract_reason_and_every_error(data, expected, fields):
    found = read_nomination(data)
    assert reason(found) == expected
    assert {e.field for e in found.refused.errors} == fields


def test_an_unfit_nomination_echoes_what_it_could_read():
    found = read_nomination({"submission_id": " p-9 ", "category": 19})
    assert (found.refused.submission_id, found.refused.category) == ("p-9", 19)


# --- withdrawals ---------------------------------------------------------------

WITHDRAWAL = NominationWithdrawn(submission_id="p-1", panel_member_id="m-1")
HELD_PLACE = WithdrawalFacts(nominated_in=4, waiting_in=None, published=False)


def withdraw(facts: WithdrawalFacts = HELD_PLACE, time: datetime = IN_WINDOW, **kwargs):
    return decide_withdrawal(WITHDRAWAL, time, facts, CONTEST, **kwargs)


def test_a_nominee_is_withdrawn_before_the_list_is_published():
    assert withdraw(time=datetime(2021, 2, 28, 22, 59, tzinfo=UTC)) == Withdraw("p-1", 4)


def test_a_withdrawal_once_the_list_is_due_or_out_is_refused_outside_window():
    assert reason(withdraw(time=datetime(2021, 2, 28, 23, 0, tzinfo=UTC))) == "outside_window"
    refused = withdraw(replace(HELD_PLACE, published=True))
    assert reason(refused) == "outside_window" and refused.refused.category == 4


def test_a_withdrawal_from_the_future_is_refused_outside_window():
    assert reason(withdraw(in_future=True)) == "outside_window"


def test_a_withdrawal_of_a_waiting_nomination_waits_behind_it():
    assert withdraw(replace(HELD_PLACE, nominated_in=None, waiting_in="nomination:4")) == Hold("nomination:4", "the nomination it withdraws waits")


def test_a_withdrawal_of_an_entry_without_a_place_changes_nothing():
    assert isinstance(withdraw(replace(HELD_PLACE, nominated_in=None)), Ignore)


def test_an_unfit_withdrawal_is_refused_with_its_errors():
    found = read_withdrawal({"panel_member_id": "m"})
    assert reason(found) == "unknown_submission" and found.refused.errors[0].field == "submission_id"


def test_a_nomination_whose_place_depends_on_earlier_waiting_ones_waits_in_the_categorys_queue():
    assert decide(replace(FACTS, filled=18, pending=2)) == Hold("places:4", "the places left depend on earlier nominations still waiting")
    assert isinstance(decide(replace(FACTS, filled=17, pending=2)), Record)  # room for them all
    assert reason(decide(replace(FACTS, filled=20, pending=2))) == "category_full"  # full whatever they get


def test_a_nomination_behind_a_decision_waiting_in_its_category_waits_too():
    assert decide(replace(FACTS, category_waiting=True)) == Hold("places:4", "an earlier decision in this category waits")
    assert reason(decide(replace(FACTS, category_waiting=True, verdict=replace(ELIGIBLE, category=5)))) == "category_mismatch"


def test_a_withdrawal_whose_freed_place_an_earlier_waiting_nomination_may_want_waits_in_the_categorys_queue():
    assert withdraw(replace(HELD_PLACE, filled=20, pending=1)) == Hold("places:4", "an earlier decision in this category waits")
    assert withdraw(replace(HELD_PLACE, category_waiting=True)) == Hold("places:4", "an earlier decision in this category waits")
    assert isinstance(withdraw(replace(HELD_PLACE, filled=10, pending=1)), Withdraw)
