"""Staff annulments, pure (CONTRACT 5.2, "Annulment"): every refusal and its order."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.voting.domain import Calendar, micros
from services.voting.domain.annulment import Accept, Refuse, decide, read_annulment
from shared.contest import load_contest
from shared.events import StaffVotesAnnulled

CAL = Calendar.of(load_contest())
GOOD = {"voter_ids": ["v-1", "v-2"], "staff_member_id": "staff-7", "reason": "a campaign of fake members"}


def at(text: str) -> int:
    return micros(datetime.fromisoformat(text))


def decision(**changes: object) -> StaffVotesAnnulled:
    found = read_annulment({**GOOD, **changes})
    assert isinstance(found, StaffVotesAnnulled)
    return found


def test_an_annulment_while_voting_is_open_is_accepted_with_each_voter_once():
    found = decision(voter_ids=["v-2", "v-1", "v-2", " v-1 "])
    verdict = decide(found, at("2021-03-12T10:00:00+00:00"), CAL, close_published=False, in_future=False)

    assert isinstance(verdict, Accept)
    assert verdict.decision.voter_ids == ["v-2", "v-1"]


@pytest.mark.parametrize(
    ("when", "closed", "future", "reason", "why"),
    [
        ("2021-02-28T22:59:59+00:00", False, False, "invalid_decision", "voting has not opened"),
        ("2021-03-31T21:00:00+00:00", False, False, "too_late", "voting has closed"),
        ("2021-03-20T10:00:00+00:00", True, False, "too_late", "the close of voting is published"),
        ("2021-03-20T10:00:00+00:00", True, True, "invalid_decision", "time_in_future"),
    ],
)
def test_an_annulment_outside_the_open_vote_is_refused(when, closed, future, reason, why):
    verdict = decide(decision(), at(when), CAL, close_published=closed, in_future=future)

    assert isinstance(verdict, Refuse)
    assert (verdict.refused.reason, verdict.why, verdict.refused.voter_ids) == (reason, why, ["v-1", "v-2"])


def test_the_window_is_the_voting_window_its_opening_included_its_close_not():
    assert isinstance(decide(decision(), CAL.opens, CAL, False, False), Accept)
    assert isinstance(decide(decision(), CAL.closes - 1, CAL, False, False), Accept)
    assert isinstance(decide(decision(), CAL.closes, CAL, False, False), Refuse)


@pytest.mark.parametrize(
    ("changes", "fields", "echoed"),
    [
        ({"voter_ids": []}, "voter_ids", []),
        ({"voter_ids": "v-1"}, "voter_ids", []),
        ({"voter_ids": ["v-1", 7, " "]}, "voter_ids.1, voter_ids.2", ["v-1"]),
        ({"voter_ids": [f"v-{n}" for n in range(1001)]}, "voter_ids", [f"v-{n}" for n in range(1000)]),
        ({"voter_ids": ["x" * 201]}, "voter_ids.0", []),
        ({"staff_member_id": ""}, "staff_member_id", ["v-1", "v-2"]),
        ({"reason": None}, "reason", ["v-1", "v-2"]),
    ],
)
def test_a_decision_that_does_not_fit_is_refused_naming_its_fields(changes, fields, echoed):
    found = read_annulment({**GOOD, **changes})

    assert isinstance(found, Refuse)
    assert found.refused.reason == "invalid_decision"
    assert found.why == f"does not fit: {fields}"
    assert found.refused.voter_ids == echoed


def test_a_missing_field_is_named():
    found = read_annulment({"voter_ids": ["v-1"]})
    assert isinstance(found, Refuse) and found.why == "does not fit: reason, staff_member_id"
