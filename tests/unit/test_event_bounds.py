"""Every string and list an outside publisher sends has an upper bound: at the
bound it passes, one over it is refused with an error naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.voting.domain import ballot as voting_ballot
from shared import events as ev
from shared.envelope import field_errors
from tests.support.factories import submission

MEMBER = {"user_id": "u", "username": "n", "email": "e@x.org", "organization": {"entity_id": "o", "name": "o", "type": "t", "country": "KE"}}
BALLOT = {"voter_id": "v", "category": 4, "project_id": "p"}
NOMINATION = {"submission_id": "s", "category": 4, "panel_member_id": "m", "rationale": "r"}
WITHDRAWAL = {"submission_id": "s", "panel_member_id": "m"}
WINNER = {"category": 4, "submission_id": "s", "panel_member_id": "m"}
DECISION = {"submission_id": "s", "outcome": "eligible", "staff_member_id": "st", "reason": "r"}
ANNULMENT = {"voter_ids": ["v"], "staff_member_id": "st", "reason": "r"}
OWNED = submission(owner={"entity_id": "o", "name": "Owner", "country": "KE"}, website="https://example.org")


def _email(length: int) -> str:
    return "a" * (length - len("@example.org")) + "@example.org"


# (model, valid data, the field's path, its bound, a value of a given length)
STRINGS: list[tuple[type[ev.Data], dict[str, Any], tuple[str | int, ...], int, Any]] = [
    (ev.SubmissionSubmitted, OWNED, ("submission_id",), ev.MAX_ID, "i".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("entity", "entity_id"), ev.MAX_ID, "i".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("entity", "name"), ev.MAX_NAME, "n".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("coordinator", "name"), ev.MAX_NAME, "n".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("coordinator", "email"), ev.MAX_EMAIL, _email),
    (ev.SubmissionSubmitted, OWNED, ("title",), ev.MAX_TITLE, "t".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("short_description",), ev.MAX_ANSWER, "w".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("action_lines_sdg_linkage",), ev.MAX_ANSWER, "w".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("impact",), ev.MAX_ANSWER, "w".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("partnerships",), ev.MAX_ANSWER, "w".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("challenges_and_prospects",), ev.MAX_ANSWER, "w".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("website",), ev.MAX_URL, "u".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("owner", "entity_id"), ev.MAX_ID, "i".__mul__),
    (ev.SubmissionSubmitted, OWNED, ("owner", "name"), ev.MAX_NAME, "n".__mul__),
    (ev.StakeholderRegistered, MEMBER, ("user_id",), ev.MAX_ID, "i".__mul__),
    (ev.StakeholderRegistered, MEMBER, ("username",), ev.MAX_NAME, "n".__mul__),
    (ev.StakeholderRegistered, MEMBER, ("email",), ev.MAX_EMAIL, _email),
    (ev.StakeholderRegistered, MEMBER, ("organization", "entity_id"), ev.MAX_ID, "i".__mul__),
    (ev.StakeholderRegistered, MEMBER, ("organization", "name"), ev.MAX_NAME, "n".__mul__),
    (ev.BallotCast, BALLOT, ("voter_id",), ev.MAX_ID, "v".__mul__),
    (ev.BallotCast, BALLOT, ("project_id",), ev.MAX_ID, "p".__mul__),
    (ev.PanelNominated, NOMINATION, ("submission_id",), ev.MAX_ID, "s".__mul__),
    (ev.PanelNominated, NOMINATION, ("panel_member_id",), ev.MAX_ID, "m".__mul__),
    (ev.PanelNominated, NOMINATION, ("rationale",), ev.MAX_REASON, "r".__mul__),
    (ev.NominationWithdrawn, WITHDRAWAL, ("submission_id",), ev.MAX_ID, "s".__mul__),
    (ev.NominationWithdrawn, WITHDRAWAL, ("panel_member_id",), ev.MAX_ID, "m".__mul__),
    (ev.WinnerSelected, WINNER, ("submission_id",), ev.MAX_ID, "s".__mul__),
    (ev.WinnerSelected, WINNER, ("panel_member_id",), ev.MAX_ID, "m".__mul__),
    (ev.StaffScreeningDecided, DECISION, ("submission_id",), ev.MAX_ID, "s".__mul__),
    (ev.StaffScreeningDecided, DECISION, ("staff_member_id",), ev.MAX_ID, "s".__mul__),
    (ev.StaffScreeningDecided, DECISION, ("reason",), ev.MAX_REASON, "r".__mul__),
    (ev.StaffVotesAnnulled, ANNULMENT, ("voter_ids", 0), ev.MAX_ID, "v".__mul__),
    (ev.StaffVotesAnnulled, ANNULMENT, ("staff_member_id",), ev.MAX_ID, "s".__mul__),
    (ev.StaffVotesAnnulled, ANNULMENT, ("reason",), ev.MAX_REASON, "r".__mul__),
]
LISTS: list[tuple[type[ev.Data], dict[str, Any], tuple[str, ...], int, Any]] = [
    (ev.SubmissionSubmitted, OWNED, ("sdgs",), ev.MAX_SDGS, lambda n: [1 + i % 17 for i in range(n)]),
    (ev.StaffVotesAnnulled, ANNULMENT, ("voter_ids",), ev.MAX_VOTER_IDS, lambda n: [f"v{i}" for i in range(n)]),
]
CASES = STRINGS + LISTS


def _with(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    copy: Any = {**data}
    node = copy
    for key in path[:-1]:
        node[key] = [*node[key]] if isinstance(node[key], list) else {**node[key]}
        node = node[key]
    node[path[-1]] = value
    return copy


def _name(case: tuple[Any, ...]) -> str:
    return f"{case[0].__name__}.{'.'.join(map(str, case[2]))}"


@pytest.mark.parametrize("model, data, path, bound, make", CASES, ids=[_name(c) for c in CASES])
def test_a_value_at_its_bound_passes(model, data, path, bound, make):
    model.model_validate(_with(data, path, make(bound)))


@pytest.mark.parametrize("model, data, path, bound, make", CASES, ids=[_name(c) for c in CASES])
def test_a_value_one_over_its_bound_is_refused_naming_its_field(model, data, path, bound, make):
    with pytest.raises(ValidationError) as refused:
        model.model_validate(_with(data, path, make(bound + 1)))
    errors = field_errors(refused.value)
    assert [e["field"] for e in errors] == [".".join(map(str, path))]
    assert f"at most {bound}" in errors[0]["message"]


def test_the_bound_counts_after_trimming():
    assert ev.BallotCast.model_validate({**BALLOT, "voter_id": f"  {'v' * ev.MAX_ID}\n"}).voter_id == "v" * ev.MAX_ID


def test_a_too_long_ballot_is_an_invalid_ballot_in_the_contract_model():
    with pytest.raises(ValidationError):
        ev.BallotCast.model_validate({**BALLOT, "voter_id": "v" * (ev.MAX_ID + 1)})


def test_the_voting_hot_path_refuses_a_too_long_voter_id_too():
    assert voting_ballot.read_ballot({**BALLOT, "voter_id": "v" * (ev.MAX_ID + 1)}) is None
