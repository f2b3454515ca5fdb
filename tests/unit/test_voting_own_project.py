"""V3, own project (CONTRACT 5.2): the same entity_id, or, where either side lacks
one, the same organisation name (case, accents, punctuation, spacing ignored) and country;
for the entity that submitted the project and for its owner alike."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.voting.domain import (
    Calendar,
    Member,
    Nominee,
    Organisation,
    Project,
    decide,
    micros,
    org_key,
    read_project,
    same_organisation,
)
from shared.contest import load_contest
from tests.support.factories import submission

CAL = Calendar.of(load_contest())
DURING = micros(datetime.fromisoformat("2021-03-10T10:00:00+00:00"))
NOMINEES = {"p-1": Nominee(4, "org-1"), "p-2": Nominee(4, "org-2")}
SUBMITTER = Organisation("org-1", org_key("Open Schools Network", "KE"))
OWNER = Organisation(None, org_key("Université de Genève", "CH"))
PROJECTS = {"p-1": Project(1, (SUBMITTER,)), "p-2": Project(1, (Organisation("org-2", org_key("Radio Lumière", "CD")), OWNER))}


def member(entity_id: str | None = None, name: str = "Somebody Else", country: str = "KE") -> Member:
    return Member(entity_id, True, org_key(name, country))


def verdict(voter: Member, project: str = "p-1", projects=PROJECTS) -> str | None:  # type: ignore[no-untyped-def]
    return decide("v-1", 4, project, DURING, voter, NOMINEES, CAL, projects=projects)  # type: ignore[return-value]


def test_a_voter_of_the_submitting_entity_by_its_id_votes_for_their_own_project():
    assert verdict(member("org-1")) == "own_project"


@pytest.mark.parametrize(
    "name", ["Open Schools Network", "open schools network", "OPEN SCHOOLS NETWORK", "Open-Schools Network.", "  Open  Schools   Network ",
             "Open Schools Netwörk", "Open Schools, Network!"],
)
def test_a_voter_without_an_entity_id_is_matched_by_name_whatever_its_case_accents_punctuation_and_spacing(name):
    assert verdict(member(None, name, "KE")) == "own_project"
    assert verdict(member(None, name, "ke")) == "own_project"


def test_accents_and_compatibility_forms_fold_alike():
    assert org_key("Université de Genève", "CH") == org_key("UNIVERSITE DE GENEVE", "ch") == org_key("Universite\u0301 de Gene\u0300ve", "CH")
    assert org_key("ﬁber Ⅻ", "KE") == org_key("FIBER XII", "KE")
    assert org_key("Straße", "DE") == org_key("STRASSE", "DE")


def test_the_same_name_in_another_country_is_another_organisation():
    assert verdict(member(None, "Open Schools Network", "UG")) is None


def test_a_voter_of_the_projects_owner_votes_for_their_own_project():
    assert verdict(member(None, "Universite de Geneve", "CH"), "p-2") == "own_project"
    assert verdict(member("uni-ge", "Université de Genève", "CH"), "p-2") == "own_project"  # the owner has no id: names decide


def test_an_owner_with_an_id_is_matched_by_it():
    projects = {"p-1": Project(1, (SUBMITTER, Organisation("uni-ge", org_key("Université de Genève", "CH"))))}
    assert verdict(member("uni-ge", "Another Name", "FR"), projects=projects) == "own_project"
    assert verdict(member(None, "Université de Genève", "CH"), projects=projects) == "own_project"


def test_entity_ids_on_both_sides_decide_even_where_the_names_agree():
    # "where either side lacks one": two ids that differ are two organisations.
    assert verdict(member("org-other", "Open Schools Network", "KE")) is None


def test_a_member_without_an_organisation_name_or_country_is_never_matched_by_name():
    assert verdict(Member(None, True, None)) is None
    assert org_key(None, "KE") is None and org_key("Open Schools Network", None) is None
    assert org_key("Open Schools Network", "XX") is None
    assert org_key("---", "KE") is None  # no letter nor digit: nothing to compare


def test_a_project_whose_entry_is_unknown_is_matched_by_the_lists_entity_id_alone():
    assert verdict(member("org-1"), projects={}) == "own_project"
    assert verdict(member(None, "Open Schools Network", "KE"), projects={}) is None


def test_own_project_comes_after_category_mismatch_and_before_already_voted():
    own = member(None, "Open Schools Network", "KE")
    assert decide("v-1", 7, "p-1", DURING, own, NOMINEES, CAL, projects=PROJECTS) == "category_mismatch"
    assert decide("v-1", 4, "p-1", DURING, own, NOMINEES, CAL, voted=True, projects=PROJECTS) == "own_project"
    assert decide("v-1", 4, "p-2", DURING, own, NOMINEES, CAL, voted=True, projects=PROJECTS) == "already_voted"


def test_an_entry_is_read_for_its_organisations_only():
    data = {**submission("p-9", owner={"name": "Université de Genève", "country": "ch"}), "received_at": "2021-01-10T10:00:00Z", "revision": 2}
    assert read_project(data) == ("p-9", Project(2, (SUBMITTER, OWNER)))
    assert read_project({**data, "owner": None}) == ("p-9", Project(2, (SUBMITTER,)))
    assert read_project({"submission_id": "p-9"}) is None


def test_a_key_is_the_country_then_the_folded_name():
    assert org_key(" Open Schools Network ", " ke ") == "KE openschoolsnetwork"


ids = st.none() | st.sampled_from(["org-1", "org-2"])
keys = st.none() | st.sampled_from([org_key("Open Schools Network", "KE"), org_key("Open Schools Network", "UG"), org_key("Radio Lumière", "CD")])
organisations = st.builds(Organisation, ids, keys)


@given(ids, keys, st.lists(organisations, min_size=1, max_size=2))
def test_a_projects_set_look_ups_say_what_comparing_each_organisation_says(entity_id, key, orgs):
    assert Project(1, tuple(orgs)).owned_by(entity_id, key) == any(same_organisation(entity_id, key, o) for o in orgs)
