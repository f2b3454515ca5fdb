"""Who is told what, and what the embargo allows (CONTRACT 5.4, 5.5): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.notify import domain, verdicts
from services.notify.domain import Occasion
from shared.events import (
    AwardsAnnounced,
    NominationsPublished,
    SubmissionScreened,
    VotingClosed,
    VotingProgress,
    WinnerRecorded,
)


def screened(outcome: str, rules: list[tuple[str, str, str]]) -> SubmissionScreened:
    return SubmissionScreened(
        submission_id="s-1", entity_id="org-1", category=4, outcome=outcome,
        rules=[{"rule": r, "result": res, "reason": why} for r, res, why in rules], nominable=outcome == "eligible",
    )


def test_the_acknowledgement_lists_every_failed_or_review_rule_with_its_reason_in_order():
    notice = verdicts.acknowledgement(screened("ineligible", [
        ("S2.category", "pass", ""),
        ("S6.completed_work", "fail", "status is ongoing"),
        ("S7.short_description_words", "fail", "120 words; 150 to 200 are needed"),
        ("S10.english", "review", "unsure of the language"),
    ]))

    assert notice.occasion is Occasion.acknowledgement and notice.week == domain.NO_WEEK
    assert notice.facts["outcome"] == "ineligible"
    assert [(f["rule"], f["result"], f["reason"]) for f in notice.facts["findings"]] == [
        ("S6.completed_work", "fail", "status is ongoing"),
        ("S7.short_description_words", "fail", "120 words; 150 to 200 are needed"),
        ("S10.english", "review", "unsure of the language"),
    ]


def test_an_eligible_entry_is_acknowledged_with_no_findings():
    notice = verdicts.acknowledgement(screened("eligible", [("S2.category", "pass", "")]))
    assert notice.facts["findings"] == [] and notice.facts["nominable"] is True


FACTS = {"outcome": "ineligible", "category": 4, "findings": [], "nominable": False, "decided_by": None, "screened_at": "2021-01-10T10:00:00Z"}


def test_the_first_verdict_is_acknowledged_and_a_later_change_told_once_per_outcome_revision_and_cause():
    assert verdicts.verdict(FACTS, "s-1", verdicts.Told(), 1, "e-1").occasion is Occasion.acknowledgement
    change = verdicts.verdict(FACTS, "s-1", verdicts.Told(outcome="eligible"), 2, "e-2")
    assert change.occasion is Occasion.verdict_changed and change.key == "ineligible|r2|e-2"
    assert change.facts["previous"] == "eligible" and not change.confidential
    assert verdicts.verdict(FACTS, "s-1", verdicts.Told(outcome="ineligible"), 2, "e-3") is None


def test_an_email_about_the_verdict_not_gone_yet_takes_the_latest_facts_or_is_taken_back():
    pending_ack = verdicts.verdict(FACTS, "s-1", verdicts.Told(pending=Occasion.acknowledgement), 1, "e-2")
    assert pending_ack.occasion is Occasion.acknowledgement and pending_ack.facts["outcome"] == "ineligible"
    pending_change = verdicts.Told(outcome="eligible", pending=Occasion.verdict_changed)
    assert verdicts.verdict(FACTS, "s-1", pending_change, 1, "e-3").facts["previous"] == "eligible"
    back = {**FACTS, "outcome": "eligible"}
    assert verdicts.takes_back(pending_change, "eligible") and verdicts.verdict(back, "s-1", pending_change, 1, "e-4") is None


def test_a_staff_decision_keeps_its_reason_and_machine_outcome_but_not_who_decided():
    decided = screened("eligible", [("S10.english", "review", "unsure")])
    facts = verdicts.verdict_facts(decided, {"staff_member_id": "staff-7", "reason": "checked by hand", "machine_outcome": "needs_review"}, "t")
    assert facts["decided_by"] == {"reason": "checked by hand", "machine_outcome": "needs_review"}
    assert "staff-7" not in str(facts)


def test_notification_ids_of_keyless_notices_are_unchanged_and_keys_tell_changes_apart():
    assert domain.notification_id("acknowledgement", "s-1", 0, 0) == domain.notification_id("acknowledgement", "s-1", 0, 0, "")
    assert domain.notification_id("verdict_changed", "s-1", 0, 0, "eligible|r1|e-1") != domain.notification_id("verdict_changed", "s-1", 0, 0, "eligible|r1|e-2")


def published() -> NominationsPublished:
    return NominationsPublished(categories=[
        {"category": 4, "nominees": [{"submission_id": "a", "entity_id": "o-a", "title": "A"}]},
        {"category": 9, "nominees": [{"submission_id": "b", "entity_id": "o-b", "title": "B"}]},
    ])


def test_the_nominee_list_tells_nominees_they_are_nominated_and_every_other_screened_entry_it_is_not():
    notices = domain.nominations(published(), {"a": 4, "c": 4, "d": 9})

    told = {n.submission_id: (n.facts["nominated"], n.facts["category"]) for n in notices}
    assert told == {"a": (True, 4), "b": (True, 9), "c": (False, 4), "d": (False, 9)}
    assert {n.occasion for n in notices} == {Occasion.nomination}


def test_a_verdict_read_after_the_list_is_told_against_that_list():
    nominees = domain.nominee_categories(published())
    assert domain.nomination("b", 9, nominees).facts["nominated"] is True
    assert domain.nomination("z", 2, nominees).facts == {"nominated": False, "category": 2}


def test_weekly_progress_gives_each_project_its_votes_rank_and_week():
    report = VotingProgress(week=2, as_of=datetime(2021, 3, 14, 23, tzinfo=UTC), ballots_root="0" * 64, categories=[
        {"category": 4, "projects": [{"project_id": "a", "votes": 9, "rank": 1}, {"project_id": "c", "votes": 2, "rank": 2}]},
    ])

    notices = domain.progress(report)

    assert [(n.submission_id, n.week, n.facts["votes"], n.facts["rank"], n.facts["projects"]) for n in notices] == [
        ("a", 2, 9, 1, 2), ("c", 2, 2, 2, 2),
    ]


def test_every_finalist_is_a_champion_when_voting_closes():
    closed = VotingClosed(as_of=datetime(2021, 3, 31, 21, tzinfo=UTC), ballots_root="0" * 64, categories=[
        {"category": 4, "finalists": ["a", "b", "c", "d", "e"], "tally": [{"project_id": "a", "votes": 30}], "ties": []},
    ])

    notices = domain.champions(closed)

    assert [n.submission_id for n in notices] == ["a", "b", "c", "d", "e"]
    assert all(n.occasion is Occasion.champion and not n.confidential for n in notices)
    assert notices[0].facts["votes"] == 30 and notices[1].facts["votes"] is None


def test_only_the_winner_contact_is_confidential():
    notice = domain.winner(WinnerRecorded(category=4, submission_id="c"))
    assert notice.confidential and notice.occasion is Occasion.winner
    assert domain.CONFIDENTIAL == {Occasion.winner}


def test_after_the_ceremony_every_finalist_learns_the_result_of_its_category():
    announced = AwardsAnnounced(categories=[{"category": 4, "winner": "c", "champions": ["a", "b", "d", "e"]}])

    notices = domain.awards(announced, {"c": "Project C"})

    assert [(n.submission_id, n.facts["won"]) for n in notices] == [("c", True), ("a", False), ("b", False), ("d", False), ("e", False)]
    assert all(n.facts["winner_title"] == "Project C" for n in notices)
    assert list(domain.finalists_of(announced)) == ["c", "a", "b", "d", "e"]


@pytest.mark.parametrize(("confidential", "announced", "publish"), [
    (False, False, True), (False, True, True), (True, False, False), (True, True, True),
])
def test_a_winner_contact_event_is_published_only_after_the_announcement(confidential, announced, publish):
    assert domain.may_publish(confidential, announced) is publish


def test_notification_ids_are_deterministic_and_distinct_per_occasion_entry_week_and_address():
    base = domain.notification_id("progress", "s-1", 1, 0)
    assert base == domain.notification_id("progress", "s-1", 1, 0)
    others = {domain.notification_id(*key) for key in [("progress", "s-1", 2, 0), ("progress", "s-2", 1, 0), ("champion", "s-1", 1, 0), ("progress", "s-1", 1, 1)]}
    assert base not in others and len(others) == 4


def test_retries_back_off_exponentially_up_to_the_cap():
    assert [domain.retry_delay(n, 30, 3600) for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_data_that_does_not_fit_the_contract_is_refused_with_field_paths_but_never_values():
    from services.notify.handler import InvalidData, _read
    from shared.envelope import CloudEvent
    from shared.events import SubmissionReceived

    event = CloudEvent(
        specversion="1.0", id="e-1", source="wsis-prizes/submission", type="wsis.submission.received",
        time=datetime(2021, 1, 10, tzinfo=UTC), data={"submission_id": "s", "coordinator": {"name": "Zebulon Quux", "email": "zq@@bad"}},
    )

    with pytest.raises(InvalidData) as refused:
        _read(SubmissionReceived, event)

    message = str(refused.value)
    assert "coordinator.email" in message and "title: Field required" in message
    assert "Zebulon" not in message and "zq@" not in message


def test_a_database_error_is_raised_without_the_statements_values(tmp_path):
    from sqlalchemy import text
    from sqlmodel import Session, create_engine

    from services.notify.handler import DatabaseError, NotifyHandler
    from shared.envelope import CloudEvent

    engine = create_engine(f"sqlite:///{tmp_path / 'broken.sqlite'}")
    with engine.begin() as conn:  # a contact table whose INSERT fails, with the coordinator in its parameters
        conn.execute(text("create table notify_contact (submission_id varchar primary key, name varchar, email varchar, title varchar,"
                          " category int, revision int, address_no int, language varchar, broken int not null)"))
    event = CloudEvent(
        specversion="1.0", id="e-2", source="wsis-prizes/submission", type="wsis.submission.received", time=datetime(2021, 1, 10, tzinfo=UTC),
        data={"submission_id": "s", "entity": {"entity_id": "o", "name": "Org", "stakeholder_type": "academia", "country": "CH"},
              "coordinator": {"name": "Zebulon Quux", "email": "zq@example.org"}, "category": 4, "title": "T", "short_description": "d",
              "action_lines_sdg_linkage": "l", "impact": "i", "partnerships": "p", "challenges_and_prospects": "c", "sdgs": [4],
              "status": "completed", "received_at": "2021-01-10T10:00:00Z", "revision": 1},
    )
    with Session(engine) as session, pytest.raises(DatabaseError) as failed:
        NotifyHandler(ctx=None).handle(session, "wsis:out:submission", event)  # type: ignore[arg-type]

    assert "IntegrityError" in str(failed.value) and "Zebulon" in str(failed.value.__context__)
    assert "Zebulon" not in str(failed.value) and "zq@" not in str(failed.value)
