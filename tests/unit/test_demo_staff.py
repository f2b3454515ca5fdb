"""The demo's people in the loop: the staff's screening decisions and the panel's mistyped nomination."""

from __future__ import annotations

import random
from datetime import datetime

import orjson

from demo.checks import staff_checks, staff_counts
from demo.simulator import Simulation
from demo.staff import CONSOLE, answered_as_decided, typo_id
from report.state import ContestState, Screened
from shared import topology
from shared.events import DATA_MODELS, T

SMALL = Simulation(7, "small")


def screened() -> dict[str, Screened]:
    """The oracle's verdicts with rule ids: reviews are near copies or an unsure language, failures one rule."""
    verdicts = {}
    for n, (sid, v) in enumerate(sorted(SMALL.expected_verdicts().items())):
        review = (("S4.not_submitted_twice",) if n % 2 else ("S10.english",)) if v.outcome == "needs_review" else ()
        failed = (("S6.completed_work",) if n % 3 else ("S9.deadline",)) if v.outcome == "ineligible" else ()
        verdicts[sid] = Screened(v.category, f"org-{n}", v.outcome, failed, review, v.nominable)
    return verdicts


def test_staff_decide_reviews_both_ways_overturn_one_verdict_and_mistype_one_id():
    verdicts = screened()
    decisions = SMALL.staff_decisions(verdicts)
    shuffled = dict(random.Random(3).sample(sorted(verdicts.items()), len(verdicts)))
    assert [d.event.body for d in decisions] == [d.event.body for d in SMALL.staff_decisions(shuffled)]
    reviews = [d for d in decisions if d.machine_outcome == "needs_review"]
    assert {d.outcome for d in reviews} == {"eligible", "ineligible"}
    assert all(verdicts[d.submission_id].outcome == "needs_review" for d in reviews)
    [override] = [d for d in decisions if d.override]
    assert verdicts[override.submission_id].outcome == "ineligible" and override.outcome == "eligible"
    assert verdicts[override.submission_id].failed == ("S6.completed_work",)
    [typo] = [d for d in decisions if d.refusal]
    assert typo.submission_id == typo_id(7) not in verdicts and typo.refusal == "unknown_submission"
    window = SMALL.contest.nomination
    for d in decisions:
        event = orjson.loads(d.event.body)
        assert d.event.stream == topology.IN_STAFF and event["type"] == T.STAFF_SCREENING_DECIDED and event["source"] == CONSOLE
        DATA_MODELS[T.STAFF_SCREENING_DECIDED].model_validate(event["data"])
        assert event["data"]["reason"] and event["data"]["staff_member_id"].startswith("staff-")
        at = datetime.fromisoformat(d.event.time.replace("Z", "+00:00"))
        assert window.start <= at < window.end and at < SMALL.contest.nominees_published


def test_the_panel_mistypes_one_id_among_its_slips():
    decisions = SMALL.nominations(SMALL.expected_verdicts())
    [event] = [e for e in decisions.events if e.id == decisions.mistyped]
    assert orjson.loads(event.body)["data"]["submission_id"] not in SMALL.expected_verdicts()


def test_the_checks_hold_the_answers_against_the_decisions():
    decisions = SMALL.staff_decisions(screened())
    state = ContestState()
    answers = []
    for d in decisions:
        if d.refusal:
            answers.append((d, {"type": T.SCREENING_REFUSED, "data": {"submission_id": d.submission_id, "reason": d.refusal}}))
            continue
        by = {"staff_member_id": d.staff_member_id, "reason": "r", "machine_outcome": d.machine_outcome}
        answers.append((d, {"type": T.SUBMISSION_SCREENED, "data": {"submission_id": d.submission_id, "outcome": d.outcome, "decided_by": by}}))
        state.verdicts[d.submission_id] = Screened(1, "org", d.outcome, (), (), False)
    refused = {"type": T.NOMINATION_REFUSED, "data": {"submission_id": "x", "category": 1, "reason": "unknown_submission"}}
    sent = {"staff": answers, "mistyped": (refused, 0.1)}
    assert all(c.ok for c in staff_checks(state, sent)), staff_checks(state, sent)
    counts = staff_counts(answers)
    assert counts["refused unknown_submission"] == 1 and counts["overrides"] == 1
    assert counts["decided eligible"] + counts["decided ineligible"] == len(decisions) - 1

    wrong = dict(answers[0][1], data=dict(answers[0][1]["data"], outcome="needs_review"))
    assert not answered_as_decided(answers[0][0], wrong) and not answered_as_decided(answers[0][0], None)
    [override] = [d for d in decisions if d.override]
    state.verdicts[override.submission_id] = Screened(1, "org", "ineligible", ("S6.completed_work",), (), False)
    sent["mistyped"] = ({"type": T.NOMINATION_REFUSED, "data": {"reason": "not_eligible"}}, 0.1)
    assert [c.ok for c in staff_checks(state, sent)] == [True, False, False]
