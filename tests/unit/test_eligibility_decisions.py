"""Staff decisions on screening (CONTRACT 5.1): each refusal reason, and the verdict a decision gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.eligibility.domain.decisions import Accept, DecisionFacts, Refuse, Standing, decide, overridden, read_decision
from shared.events import RuleResult, StaffScreeningDecided, SubmissionScreened

PUBLISHED = datetime(2021, 2, 28, 23, 0, tzinfo=UTC)
BEFORE = datetime(2021, 2, 10, 9, 0, tzinfo=UTC)
DECISION = {"submission_id": "s-1", "outcome": "eligible", "staff_member_id": "staff-7", "reason": "checked the near copy by hand"}


def machine(outcome: str = "needs_review", n1: str = "pass") -> SubmissionScreened:
    rules = [
        RuleResult(rule="S4.not_submitted_twice", result="review" if outcome == "needs_review" else "pass", reason="similar"),
        RuleResult(rule="S6.completed_work", result="fail" if outcome == "ineligible" else "pass"),
        RuleResult(rule="N1.answers_detailed", result=n1),
    ]
    return SubmissionScreened(submission_id="s-1", entity_id="org-1", category=4, outcome=outcome, rules=rules, nominable=False)


def decision(**changes: object) -> StaffScreeningDecided:
    found = read_decision({**DECISION, **changes})
    assert isinstance(found, StaffScreeningDecided)
    return found


def test_a_decision_on_a_screened_entry_before_the_nominee_list_is_accepted_for_its_latest_revision():
    assert decide(decision(), BEFORE, DecisionFacts(revision=3), PUBLISHED) == Accept(Standing(3, "eligible", "staff-7", "checked the near copy by hand"))


@pytest.mark.parametrize(
    ("time", "facts", "reason"),
    [(BEFORE, DecisionFacts(revision=None), "unknown_submission"),
     (PUBLISHED, DecisionFacts(revision=1), "too_late"),  # the nominee list's date itself is too late
     (datetime(2021, 5, 1, tzinfo=UTC), DecisionFacts(revision=None), "too_late"),
     (BEFORE, DecisionFacts(revision=1, in_future=True), "invalid_decision")],
)  # fmt: skip
def test_a_decision_is_refused_too_late_or_for_an_entry_without_a_verdict(time, facts, reason):
    refused = decide(decision(), time, facts, PUBLISHED)
    assert isinstance(refused, Refuse) and (refused.refused.submission_id, refused.refused.reason) == ("s-1", reason)


@pytest.mark.parametrize(
    ("changes", "sid"),
    [({"outcome": "needs_review"}, "s-1"), ({"outcome": "maybe"}, "s-1"), ({"staff_member_id": " "}, "s-1"),
     ({"reason": None}, "s-1"), ({"submission_id": ""}, None), ({"submission_id": 7}, None)],
)  # fmt: skip
def test_a_decision_whose_data_does_not_fit_is_refused_invalid_decision(changes, sid):
    refused = read_decision({**DECISION, **changes})
    assert isinstance(refused, Refuse) and (refused.refused.submission_id, refused.refused.reason) == (sid, "invalid_decision")


def test_an_eligible_decision_keeps_the_machine_rules_and_makes_the_entry_nominable():
    screened = overridden(machine("needs_review"), Standing(1, "eligible", "staff-7", "not a copy"))
    assert (screened.outcome, screened.nominable) == ("eligible", True)
    assert screened.rules == machine().rules
    assert screened.decided_by.model_dump() == {"staff_member_id": "staff-7", "reason": "not a copy", "machine_outcome": "needs_review"}


def test_an_eligible_decision_on_an_entry_failing_a_precheck_leaves_it_not_nominable():
    screened = overridden(machine("ineligible", n1="fail"), Standing(1, "eligible", "staff-7", "S6 was wrong"))
    assert (screened.outcome, screened.nominable, screened.decided_by.machine_outcome) == ("eligible", False, "ineligible")


def test_an_ineligible_decision_is_never_nominable():
    screened = overridden(machine("eligible"), Standing(1, "ineligible", "staff-7", "the entrant withdrew"))
    assert (screened.outcome, screened.nominable, screened.decided_by.machine_outcome) == ("ineligible", False, "eligible")
