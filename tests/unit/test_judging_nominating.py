"""Nominations through the handler and a real database: waits, quotas, the list."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from structlog.testing import capture_logs

from services.judging.store.tables import EntryVerdict
from shared import topology
from shared.events import T
from tests.support.judging import Judging, answer, only

RECORDED, REFUSED = T.NOMINATION_RECORDED, T.NOMINATION_REFUSED
WINDOW_CLOSE = "2021-02-26T23:00:00Z"
PUBLICATION = "2021-02-28T23:00:00Z"


@pytest.fixture
def judging(tmp_path) -> Judging:
    return Judging(tmp_path)


def test_a_nomination_of_a_screened_eligible_entry_is_recorded_on_the_public_stream(judging):
    judging.entry("p-1")
    sent, effects = judging.nominate("p-1")
    stream, event = only(effects)
    assert stream == topology.OUT_JUDGING
    assert (event.type, event.data, event.causationid) == (RECORDED, {"submission_id": "p-1", "category": 4}, sent.id)


def test_each_refusal_reason_comes_back_with_the_nomination_it_answers(judging):
    judging.entry("p-1")
    judging.entry("p-2", outcome="ineligible")
    judging.nominate("p-1")
    cases = [
        (judging.nominate("p-1", time="2021-03-02T10:00:00Z"), "outside_window"),
        (judging.nominate("p-2"), "not_eligible"),
        (judging.nominate("p-1", category=5), "category_mismatch"),
        (judging.nominate("p-1"), "already_nominated"),
    ]
    for (sent, effects), expected in cases:
        kind, data = answer(effects)
        assert (kind, data["reason"]) == (REFUSED, expected)
        assert effects[0][1].causationid == sent.id


def test_twenty_nominees_fill_a_category_and_the_twenty_first_is_category_full(judging):
    for i in range(21):
        judging.entry(f"p-{i:02}")
    answers = [answer(judging.nominate(f"p-{i:02}")[1]) for i in range(21)]
    assert [kind for kind, _ in answers[:20]] == [RECORDED] * 20
    assert answers[20] == (REFUSED, {"submission_id": "p-20", "category": 4, "reason": "category_full"})


def test_a_withdrawal_frees_a_place_and_the_entry_may_be_named_again(judging):
    for i in range(21):
        judging.entry(f"p-{i:02}")
    for i in range(20):
        judging.nominate(f"p-{i:02}")
    assert judging.withdraw("p-03")[1] == []  # the contract has no event for it: the list shows it
    assert answer(judging.nominate("p-20")[1])[0] == RECORDED
    assert answer(judging.nominate("p-03")[1])[1]["reason"] == "category_full"


def test_a_nomination_waits_for_its_verdict_and_is_answered_when_it_arrives(judging):
    judging.receive("p-1")
    sent, effects = judging.nominate("p-1")
    assert effects == []
    _, event = only(judging.screen("p-1"))
    assert (event.type, event.causationid, event.time) == (RECORDED, sent.id, sent.time)


def test_a_nomination_waiting_for_its_verdict_holds_up_no_other_entry_while_places_are_left_for_both(judging):
    for i in range(3):
        judging.entry(f"p-{i:02}")
    judging.receive("late")
    first, effects = judging.nominate("late")  # its verdict is still on its way
    assert effects == []
    assert [answer(judging.nominate(f"p-{i:02}")[1])[0] for i in range(3)] == [RECORDED] * 3
    _, event = only(judging.screen("late"))
    assert (event.type, event.causationid) == (RECORDED, first.id)


def test_where_the_last_places_depend_on_a_waiting_nomination_later_ones_wait_so_the_quota_keeps_the_panels_order(judging):
    for i in range(21):
        judging.entry(f"p-{i:02}")
    for i in range(19):
        judging.nominate(f"p-{i:02}")
    judging.receive("late")
    first, _ = judging.nominate("late")  # its verdict is still on its way
    second, effects = judging.nominate("p-19")
    assert effects == []  # the twentieth place is late's if it is eligible
    withdrawal, effects = judging.withdraw("p-00")
    assert effects == []  # a place freed now would change what late and p-19 get
    assert answer(judging.nominate("other-category", category=5)[1])[1]["reason"] == "unknown_submission"
    settled = judging.screen("late")
    assert [(e.causationid, e.type, e.data.get("reason")) for _, e in settled] == [(first.id, RECORDED, None), (second.id, REFUSED, "category_full")]
    assert answer(judging.nominate("p-20")[1])[0] == RECORDED  # the place p-00 freed


def test_later_decisions_about_the_same_entry_wait_behind_its_nomination(judging):
    judging.receive("p-1")
    first, _ = judging.nominate("p-1")
    again, effects = judging.nominate("p-1")
    assert effects == []
    settled = judging.screen("p-1")
    assert [(e.causationid, e.type, e.data.get("reason")) for _, e in settled] == [(first.id, RECORDED, None), (again.id, REFUSED, "already_nominated")]


def test_a_nomination_of_an_entry_never_received_is_refused_unknown_submission_at_once(judging):
    judging.entry("p-2")
    sent, effects = judging.nominate("ghost")
    assert answer(effects) == (REFUSED, {"submission_id": "ghost", "category": 4, "reason": "unknown_submission"})
    assert answer(judging.nominate("p-2")[1])[0] == RECORDED


def test_a_verdict_that_never_comes_is_unknown_submission_at_the_windows_close(judging):
    judging.entry("p-2")
    judging.receive("unscreened")
    sent, _ = judging.nominate("unscreened")
    behind, effects = judging.nominate("p-2")
    assert answer(effects)[0] == RECORDED  # another entry: not behind it
    assert judging.tick("2021-02-26T22:59:00Z") == []
    settled = judging.tick(WINDOW_CLOSE)
    assert [(e.causationid, e.type, e.data.get("reason")) for _, e in settled] == [(sent.id, REFUSED, "unknown_submission")]


def test_a_staff_decision_releases_a_nomination_waiting_on_a_needs_review_entry(judging):
    judging.entry("p-1", outcome="needs_review")
    sent, effects = judging.nominate("p-1")
    assert effects == []
    _, event = only(judging.screen("p-1", outcome="eligible"))  # a later verdict replaces the earlier one
    assert (event.type, event.causationid) == (RECORDED, sent.id)


def test_a_staff_ineligible_refuses_the_waiting_nomination_and_undecided_ones_are_refused_at_the_close(judging):
    judging.entry("p-1", outcome="needs_review")
    judging.entry("p-2", outcome="needs_review")
    first, _ = judging.nominate("p-1")
    second, _ = judging.nominate("p-2")
    assert answer(judging.screen("p-1", outcome="ineligible")) == (REFUSED, {"submission_id": "p-1", "category": 4, "reason": "not_eligible"})
    settled = judging.tick(WINDOW_CLOSE)
    assert [(e.causationid, e.data["reason"]) for _, e in settled] == [(second.id, "not_eligible")]


def test_a_withdrawal_of_a_waiting_nomination_waits_behind_it(judging):
    judging.receive("p-1")
    judging.nominate("p-1")
    assert judging.withdraw("p-1")[1] == []
    assert answer(judging.screen("p-1"))[0] == RECORDED
    outcomes = [(row.kind, outcome.outcome) for row, outcome in judging.audit()]
    assert outcomes == [(T.PANEL_NOMINATED, "recorded"), (T.PANEL_NOMINATION_WITHDRAWN, "withdrawn")]


def test_a_withdrawal_after_publication_is_refused_outside_window(judging):
    judging.entry("p-1")
    judging.nominate("p-1")
    judging.tick(PUBLICATION)
    kind, data = answer(judging.withdraw("p-1", time="2021-02-28T10:00:00Z")[1])
    assert (kind, data) == (REFUSED, {"submission_id": "p-1", "category": 4, "reason": "outside_window"})


def test_unfit_data_is_refused_with_a_contract_reason_and_audited(judging):
    kind, data = answer(judging.nominate("p-1", category=19)[1])
    assert (kind, data["reason"], data["errors"][0]["field"]) == (REFUSED, "category_mismatch", "category")
    row, outcome = judging.audit()[0]
    assert (row.category, outcome.outcome, outcome.reason) == (19, "refused", "category_mismatch")


def test_the_nominee_list_is_published_once_with_every_category_and_warns_of_short_ones(judging):
    judging.entry("p-1", title="First title")
    judging.entry("p-1", title="Amended title", revision=2)
    judging.entry("p-2", category=7)
    judging.nominate("p-2", category=7)
    judging.nominate("p-1")
    assert judging.tick("2021-02-28T22:59:00Z") == []
    with capture_logs() as logs:
        stream, event = only(judging.tick(PUBLICATION))
    assert (stream, event.type) == (topology.OUT_JUDGING, T.NOMINATIONS_PUBLISHED)
    categories = event.data["categories"]
    assert [c["category"] for c in categories] == list(range(1, 19))
    assert categories[3]["nominees"] == [{"submission_id": "p-1", "entity_id": "org-p-1", "title": "Amended title"}]
    assert categories[6]["nominees"][0]["submission_id"] == "p-2"
    short = [entry for entry in logs if entry["event"] == "nominations.category_short"]
    assert len(short) == 18 and all(entry["log_level"] == "warning" for entry in short)
    assert judging.tick("2021-03-01T00:00:00Z") == []
    assert judging.restarted().tick("2021-03-02T00:00:00Z") == []


def test_the_list_waits_for_a_nominees_title_still_on_its_way(judging):
    judging.screen("p-1")
    judging.nominate("p-1")
    assert judging.tick(PUBLICATION) == []
    judging.entry("p-1")
    assert answer(judging.tick("2021-02-28T23:01:00Z"))[0] == T.NOMINATIONS_PUBLISHED


def test_a_nomination_arriving_after_publication_is_refused_even_if_timed_in_the_window(judging):
    judging.entry("p-1")
    judging.tick(PUBLICATION)
    assert answer(judging.nominate("p-1", time="2021-02-20T10:00:00Z")[1])[1]["reason"] == "outside_window"


def test_ignored_types_change_nothing(judging):
    assert judging.send(topology.VOTING_REPORTS, T.VOTING_PROGRESS, {"anything": 1}, "2021-03-10T10:00:00Z")[1] == []
    assert judging.send(topology.OUT_SUBMISSION, T.SUBMISSION_REJECTED, {"errors": []}, "2021-01-10T10:00:00Z")[1] == []
    assert judging.audit() == []


def test_an_unfit_upstream_fact_raises_so_the_runtime_retries_then_dead_letters_it(judging):
    with pytest.raises(ValueError):
        judging.send(topology.OUT_ELIGIBILITY, T.SUBMISSION_SCREENED, {"submission_id": "p-1"}, "2021-01-20T10:00:00Z")


def test_a_tick_settles_a_nomination_whose_verdict_a_replica_stored_unseen(judging):
    judging.receive("p-1")
    sent, _ = judging.nominate("p-1")
    with Session(judging.engine) as session:  # another replica's commit, which woke nothing here
        session.add(EntryVerdict(submission_id="p-1", entity_id="org-1", category=4, outcome="eligible", nominable=True))
        session.commit()
    _, event = only(judging.tick("2021-02-10T10:01:00Z"))
    assert (event.type, event.causationid) == (RECORDED, sent.id)
