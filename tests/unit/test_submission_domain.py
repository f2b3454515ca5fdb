"""Intake decisions (CONTRACT 5.1): schema, repeats, amendments, the deadline."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.submission.domain import Accept, Reject, StoredEntry, content_hash, decide
from shared.contest import load_contest
from shared.events import SubmissionSubmitted
from tests.support.factories import submission

CONTEST = load_contest()
BEFORE = datetime(2021, 1, 10, 9, 0, tzinfo=UTC)
CLOSE = CONTEST.submission.end  # 2021-01-25 23:00 Geneva = 22:00Z


def stored_from(decision: Accept) -> StoredEntry:
    return StoredEntry(decision.received.submission_id, decision.received.revision, decision.content_hash, decision.received)


def test_a_first_valid_entry_is_accepted_as_revision_one_at_its_business_time():
    decision = decide(submission("s"), BEFORE, None, CONTEST)
    assert isinstance(decision, Accept) and decision.is_new
    assert decision.received.revision == 1
    assert decision.received.received_at == BEFORE


def test_a_first_entry_after_the_deadline_is_still_taken_in_so_that_s9_can_judge_it():
    decision = decide(submission("s"), CLOSE + timedelta(days=1), None, CONTEST)
    assert isinstance(decision, Accept)


def test_the_same_content_again_changes_nothing():
    first = decide(submission("s"), BEFORE, None, CONTEST)
    again = decide(submission("s", title="  " + submission()["title"]), BEFORE + timedelta(hours=1), stored_from(first), CONTEST)
    assert isinstance(again, Accept) and not again.is_new
    assert again.received == first.received


@pytest.mark.parametrize(("offset", "accepted"), [(timedelta(seconds=-1), True), (timedelta(0), False), (timedelta(days=3), False)])
def test_an_amendment_is_a_new_revision_before_the_close_and_refused_from_it(offset, accepted):
    first = decide(submission("s"), BEFORE, None, CONTEST)
    amended = decide(submission("s", title="New title"), CLOSE + offset, stored_from(first), CONTEST)
    if accepted:
        assert isinstance(amended, Accept) and amended.is_new and amended.received.revision == 2
    else:
        assert isinstance(amended, Reject) and amended.why == "deadline"
        assert amended.rejected.errors[0].field == "time"
        assert "2021-01-25 23:00 CET" in amended.rejected.errors[0].message


def test_a_schema_failure_lists_every_error_and_keeps_the_submission_id():
    data = submission(" s-9 ", category=0, sdgs=[])
    del data["coordinator"]
    decision = decide(data, BEFORE, None, CONTEST)
    assert isinstance(decision, Reject) and decision.why == "schema"
    assert decision.rejected.submission_id == "s-9"
    assert {e.field for e in decision.rejected.errors} == {"category", "sdgs", "coordinator"}


def test_an_event_stamped_too_far_ahead_of_the_wall_clock_is_refused():
    decision = decide(submission("s"), BEFORE, None, CONTEST, in_future=True)
    assert isinstance(decision, Reject) and decision.why == "time_in_future"


OWNER = {"entity_id": "org-owner", "name": "Village Network Cooperative", "country": "ke"}


def test_a_projects_owner_is_optional_validated_and_carried_on_received():
    decision = decide(submission("s", owner=OWNER), BEFORE, None, CONTEST)
    assert isinstance(decision, Accept)
    assert decision.received.owner.model_dump() == {"entity_id": "org-owner", "name": "Village Network Cooperative", "country": "KE"}
    without_id = decide(submission("t", owner={"name": "A cooperative", "country": "KE"}), BEFORE, None, CONTEST)
    assert isinstance(without_id, Accept) and without_id.received.owner.entity_id is None
    assert decide(submission("u"), BEFORE, None, CONTEST).received.owner is None


@pytest.mark.parametrize(
    ("owner", "fields"),
    [({"name": "A cooperative", "country": "XX"}, {"owner.country"}), ({"name": " ", "country": "KE"}, {"owner.name"}),
     ({"entity_id": "org-9"}, {"owner.name", "owner.country"})],
)  # fmt: skip
def test_an_owner_that_does_not_fit_is_rejected_with_its_field_paths(owner, fields):
    decision = decide(submission("s", owner=owner), BEFORE, None, CONTEST)
    assert isinstance(decision, Reject) and {e.field for e in decision.rejected.errors} == fields


def test_an_entry_without_an_owner_hashes_as_before_owner_existed_so_a_resend_stays_a_repeat():
    entry = SubmissionSubmitted.model_validate(submission("s"))
    before_owner = {k: v for k, v in entry.model_dump(mode="json").items() if k != "owner"}
    digest = hashlib.sha256(json.dumps(before_owner, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert content_hash(entry) == digest
    assert content_hash(SubmissionSubmitted.model_validate(submission("s", owner=OWNER))) != digest
