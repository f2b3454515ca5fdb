"""The contract's event data as pydantic models (CONTRACT 5)."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.envelope import field_errors
from shared.events import (
    DATA_MODELS,
    BallotCast,
    StakeholderRegistered,
    SubmissionSubmitted,
    T,
)
from tests.support.factories import submission


def errors_of(model, data):
    with pytest.raises(ValidationError) as exc:
        model.model_validate(data)
    return {e["field"]: e["message"] for e in field_errors(exc.value)}


CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "CONTRACT.md"


def test_every_event_type_of_the_contract_has_a_data_model():
    named = {value for name, value in vars(T).items() if name.isupper()}
    in_contract = set(re.findall(r"`(wsis(?:\.[a-z_]+)+)`", CONTRACT.read_text()))
    assert named == set(DATA_MODELS) == in_contract


def test_strings_are_trimmed_and_sdgs_kept_once_in_order():
    entry = SubmissionSubmitted.model_validate(submission(title="  Digital classrooms  ", sdgs=[9, 4, 9]))
    assert entry.title == "Digital classrooms"
    assert entry.sdgs == [4, 9]
    assert entry.entity.country == "KE"


def test_an_empty_string_counts_as_missing():
    assert errors_of(SubmissionSubmitted, submission(title="   ", website=""))["title"] == "Field required"
    assert SubmissionSubmitted.model_validate(submission(website="  ")).website is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": 0}, "category"),
        ({"category": 19}, "category"),
        ({"category": "4"}, "category"),
        ({"category": 4.0}, "category"),
        ({"category": True}, "category"),
        ({"category": [4, 5]}, "category"),
        ({"sdgs": []}, "sdgs"),
        ({"sdgs": [18]}, "sdgs.0"),
        ({"status": "planned"}, "status"),
        ({"title": 42}, "title"),
        ({"coordinator": {"name": "A", "email": "not-an-address"}}, "coordinator.email"),
        ({"entity": {"entity_id": "o", "name": "N", "stakeholder_type": "company", "country": "KE"}}, "entity.stakeholder_type"),
        ({"entity": {"entity_id": "o", "name": "N", "stakeholder_type": "academia", "country": "XX"}}, "entity.country"),
        ({"entity": {"entity_id": "o", "name": "N", "stakeholder_type": "academia", "country": "KEN"}}, "entity.country"),
    ],
)
def test_each_schema_violation_names_its_dotted_field(change, field):
    assert field in errors_of(SubmissionSubmitted, submission(**change))


def test_every_missing_answer_is_reported_at_once():
    data = submission()
    for key in ("impact", "partnerships", "status"):
        del data[key]
    assert {"impact", "partnerships", "status"} <= set(errors_of(SubmissionSubmitted, data))


@pytest.mark.parametrize(
    ("profile", "complete"),
    [
        ({"user_id": "u", "username": "u1", "email": "u@example.org", "organization": {"name": "O", "type": "academia", "country": "CH"}}, True),
        ({"user_id": "u", "username": "u1", "email": "u@example.org", "organization": {"name": "O", "type": "academia"}}, False),
        ({"user_id": "u", "email": "u@example.org", "organization": {"name": "O", "type": "academia", "country": "CH"}}, False),
        ({"user_id": "u", "username": "u1", "email": " ", "organization": {"name": "O", "type": "academia", "country": "CH"}}, False),
        ({"user_id": "u"}, False),
    ],
)
def test_a_profile_is_complete_with_username_email_and_organization_name_type_country(profile, complete):
    assert StakeholderRegistered.model_validate(profile).complete is complete


def test_a_ballot_needs_voter_category_and_project():
    assert BallotCast.model_validate({"voter_id": "v", "category": 3, "project_id": "p"}).category == 3
    assert set(errors_of(BallotCast, {"category": "3"})) == {"voter_id", "category", "project_id"}


def test_the_contract_in_docs_is_the_shared_contract_word_for_word():
    shared = CONTRACT.parents[2] / "shared" / "CONTRACT.md"
    if not shared.is_file():
        pytest.skip("no shared/CONTRACT.md beside the repository")
    assert CONTRACT.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8"), "docs/CONTRACT.md differs from shared/CONTRACT.md"
