"""Ballot constraints V2-V5: every reason, the first-reason order, the window across DST."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.voting import domain
from services.voting.domain import HOLD, Calendar, Member, Nominee, decide, micros
from shared.contest import load_contest
from shared.events import BallotCast, RejectionReason, StakeholderRegistered

CAL = Calendar.of(load_contest())
NOMINEES = {"p-1": Nominee(4, "org-1"), "p-3": Nominee(7, "org-3")}
GOOD = Member("org-9", True)
DURING = micros(datetime.fromisoformat("2021-03-10T10:00:00+00:00"))


def at(text: str) -> int:
    return micros(datetime.fromisoformat(text))


def verdict(member=GOOD, category=4, project="p-1", when=DURING, nominees=NOMINEES):  # type: ignore[no-untyped-def]
    return decide("v-1", category, project, when, member, nominees, CAL)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"member": None}, "voter_unknown"),
        ({"member": Member("org-9", False)}, "profile_incomplete"),
        ({"when": at("2021-03-31T21:00:00+00:00")}, "voting_closed"),
        ({"when": at("2021-02-28T22:59:59+00:00")}, "voting_closed"),
        ({"project": "p-404"}, "project_not_nominated"),
        ({"project": "p-3"}, "category_mismatch"),
        ({"member": Member("org-1", True)}, "own_project"),
        ({}, None),
    ],
)
def test_each_reason_applies_on_its_own(case, expected):
    assert verdict(**case) == expected


def test_the_first_reason_in_the_contracts_order_wins():
    late = at("2021-04-02T00:00:00+00:00")
    assert verdict(member=None, when=late, project="p-404") == "voter_unknown"
    assert verdict(member=Member("org-1", False), when=late) == "profile_incomplete"
    assert verdict(member=Member("org-3", True), when=late, project="p-3") == "voting_closed"
    assert verdict(member=Member("org-3", True), project="p-3") == "category_mismatch"
    assert verdict(member=Member("org-3", True), project="p-404", category=7) == "project_not_nominated"


def test_the_voting_window_closes_at_23_00_geneva_summer_time():
    assert verdict(when=at("2021-03-31T20:59:59+00:00")) is None
    assert verdict(when=at("2021-03-31T20:59:59.999999+00:00")) is None
    assert verdict(when=at("2021-03-31T21:00:00+00:00")) == "voting_closed"
    assert verdict(when=at("2021-03-31T23:00:00+02:00")) == "voting_closed"


def test_the_voting_window_opens_at_midnight_geneva_winter_time():
    assert verdict(when=at("2021-02-28T23:00:00+00:00")) is None
    assert verdict(when=at("2021-03-01T00:00:00+01:00")) is None


def test_a_ballot_timed_after_the_list_date_waits_for_a_list_not_yet_seen():
    assert verdict(nominees=None) is HOLD
    assert verdict(nominees=None, member=None) == "voter_unknown"
    assert verdict(nominees=None, when=at("2021-04-01T00:00:00+00:00")) == "voting_closed"


def test_before_the_list_date_a_ballot_is_not_for_a_nominated_project():
    early = Calendar(opens=CAL.opens - 10, closes=CAL.closes, list_published=CAL.opens)
    assert decide("v-1", 4, "p-1", CAL.opens - 5, GOOD, None, early) == "project_not_nominated"


def test_a_ballot_stamped_ahead_of_the_clock_comes_after_the_voter_checks_and_before_the_list():
    assert decide("v-1", 4, "p-404", DURING, GOOD, NOMINEES, CAL, in_future=True) == "time_in_future"
    assert decide("v-1", 4, "p-1", DURING, None, NOMINEES, CAL, in_future=True) == "voter_unknown"
    assert decide("v-1", 4, "p-1", DURING, Member(None, False), None, CAL, in_future=True) == "profile_incomplete"


def test_a_suspended_voter_comes_right_after_an_unknown_one():
    assert decide("v-1", 4, "p-1", DURING, GOOD, NOMINEES, CAL, suspended=True) == "voter_suspended"
    assert decide("v-1", 4, "p-1", DURING, None, NOMINEES, CAL, suspended=True) == "voter_unknown"
    incomplete = Member(None, False)
    assert decide("v-1", 4, "p-404", at("2020-01-01T00:00:00+00:00"), incomplete, None, CAL, suspended=True, voted=True) == "voter_suspended"
    assert decide("v-1", 4, "p-1", DURING, GOOD, NOMINEES, CAL, in_future=True, suspended=True) == "voter_suspended"


def test_a_member_without_an_entity_never_votes_for_their_own_project():
    assert verdict(member=Member(None, True)) is None


def test_the_reasons_are_the_contracts_nine_in_order():
    assert domain.REASONS == get_args(RejectionReason) == (
        "voter_unknown", "voter_suspended", "profile_incomplete", "voting_closed", "project_not_nominated",
        "category_mismatch", "own_project", "already_voted", "invalid_ballot",
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"voter_id": "v", "category": "4", "project_id": "p"},
        {"voter_id": "v", "category": 4.0, "project_id": "p"},
        {"voter_id": "v", "category": True, "project_id": "p"},
        {"voter_id": "v", "category": 19, "project_id": "p"},
        {"voter_id": "v", "category": 0, "project_id": "p"},
        {"voter_id": "  ", "category": 4, "project_id": "p"},
        {"voter_id": 7, "category": 4, "project_id": "p"},
        {"voter_id": "v", "category": 4},
    ],
)
def test_a_ballot_that_does_not_fit_the_schema_is_invalid(data):
    assert domain.read_ballot(data) is None


def test_a_ballots_strings_are_trimmed():
    assert domain.read_ballot({"voter_id": " v ", "category": 4, "project_id": "p\n", "extra": 1}) == ("v", 4, "p")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 25) | st.floats(allow_nan=False) | st.sampled_from(["", " ", "a", " b ", "4"]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["x", "name"]), inner, max_size=2),
    max_leaves=4,
)


@given(st.dictionaries(st.sampled_from(["voter_id", "category", "project_id", "other"]), json_values))
def test_reading_a_ballot_agrees_with_the_contract_model(data):
    try:
        model = BallotCast.model_validate(data)
    except ValidationError:
        assert domain.read_ballot(data) is None
    else:
        assert domain.read_ballot(data) == (model.voter_id, model.category, model.project_id)


# Values that make a profile complete or not: types of 5.1 and others, assigned
# codes and others, well-formed addresses and others, names that fold alike.
profile_texts = st.sampled_from([
    "academia", "civil_society", "government", " private_sector ", "international_organization", "Academia", "ngo",
    "KE", "ke", " CH ", "XX", "KEN", "UK", "e@x.org", " a.b@mail.example.net ", "not-an-email", "a@b", "@x.org", "a b@x.org",
    "a@@x.org", "Open Schools Network", "OPEN schools, network!", "Écoles Ouvertes", "---",
])
org_values = st.dictionaries(st.sampled_from(["entity_id", "name", "type", "country"]), json_values | profile_texts, max_size=4)


@given(
    st.dictionaries(
        st.sampled_from(["user_id", "username", "email", "organization"]),
        json_values | profile_texts | org_values,
    )
)
def test_reading_a_member_agrees_with_the_contract_model(data):
    try:
        model = StakeholderRegistered.model_validate(data)
    except ValidationError:
        assert domain.read_member(data) is None
    else:
        org = model.organization
        assert domain.read_member(data) == (model.user_id, Member(org.entity_id, model.complete, domain.org_key(org.name, org.country)))


FULL = {"user_id": "u", "username": "n", "email": "e@x.org", "organization": {"name": "o", "type": "academia", "country": "KE"}}


def _with_org(**changes: str | None) -> dict:
    org = {k: v for k, v in {**FULL["organization"], **changes}.items() if v is not None}  # type: ignore[dict-item]
    return {**FULL, "organization": org}


def test_a_profile_is_complete_with_username_email_and_the_organizations_name_type_country():
    assert domain.read_member(FULL) == ("u", Member(None, True, "KE o"))
    for key in ("username", "email"):
        assert domain.read_member({**FULL, key: " "})[1].complete is False  # type: ignore[index]
    for key in ("name", "type", "country"):
        assert domain.read_member(_with_org(**{key: None}))[1].complete is False  # type: ignore[index]


@pytest.mark.parametrize(
    "profile",
    [
        _with_org(type="ngo"),
        _with_org(type="Academia"),
        _with_org(country="XX"),
        _with_org(country="UK"),
        _with_org(country="KEN"),
        {**FULL, "email": "not-an-email"},
        {**FULL, "email": "a@b"},
        {**FULL, "email": "a b@x.org"},
        {**FULL, "organization": {}},
        {"user_id": "u"},
    ],
)
def test_a_profile_with_an_unknown_type_an_unassigned_country_or_a_malformed_email_is_known_but_incomplete(profile):
    (user_id, known) = domain.read_member(profile)  # type: ignore[misc]
    assert user_id == "u" and known.complete is False
    assert StakeholderRegistered.model_validate(profile).complete is False
    assert decide("u", 4, "p-1", DURING, known, NOMINEES, CAL) == "profile_incomplete"


def test_a_country_code_in_small_letters_is_the_assigned_code_as_for_an_entity():
    assert domain.read_member(_with_org(country=" ke "))[1] == Member(None, True, "KE o")  # type: ignore[index]
