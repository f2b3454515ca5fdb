"""Staff decisions on screening (CONTRACT 5.1) against a real server and both databases."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlmodel import Session

from services.eligibility import audit
from shared import topology
from shared.envelope import ID_NAMESPACE
from tests.integration.test_eligibility_service import of, project, received
from tests.support.events import cloudevent
from tests.support.services import running as service_running
from tests.support.streams import answers_to, publish, wait_for

DECIDED = "wsis.staff.screening_decided"
NEAR = project(0) | {"short_description": project(0)["short_description"] + " We will also open two more access points in 2021."}


def decided(sid: str, outcome: str, reason: str = "checked by hand", time: str = "2021-02-10T09:00:00Z", **changes: Any) -> dict[str, Any]:
    data = {"submission_id": sid, "outcome": outcome, "staff_member_id": "staff-7", "reason": reason, **changes}
    return cloudevent(DECIDED, data, time_=time, source="console")


@pytest.fixture
async def running(settings):
    async with service_running("eligibility", settings) as service:
        yield service


async def near_copy_in_review(redis) -> list[dict[str, Any]]:
    """`orig`, then `near`, a near copy of it by another entity: `near` needs review."""
    await publish(redis, topology.OUT_SUBMISSION, received("orig", "2021-01-10T10:00:00Z", **project(0)))
    await publish(redis, topology.OUT_SUBMISSION, received("near", "2021-01-12T10:00:00Z", entity="org-3", category=2, **NEAR))
    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(seen) == 2)
    assert of(seen, "near")[0]["data"]["outcome"] == "needs_review"
    return seen


async def answer(redis, event: dict[str, Any]) -> dict[str, Any]:
    await publish(redis, topology.IN_STAFF, event)
    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(answers_to(seen, event["id"])) == 1)
    return answers_to(seen, event["id"])[0]


async def test_a_staff_decision_gives_a_new_verdict_with_the_machine_rules_and_goes_on_the_audit_trail(running, redis):
    seen = await near_copy_in_review(redis)
    decision = decided("near", "eligible", "a second phase of the same project, by its partner")

    screened = await answer(redis, decision)

    data, machine = screened["data"], of(seen, "near")[0]["data"]
    assert screened["type"] == "wsis.submission.screened" and screened["subject"] == "near"
    assert screened["id"] == str(uuid.uuid5(ID_NAMESPACE, f"wsis.submission.screened|near|1|decided|console|{decision['id']}"))
    assert data["outcome"] == "eligible" and data["rules"] == machine["rules"]
    assert data["nominable"] == all(r["result"] == "pass" for r in data["rules"] if r["rule"].startswith("N"))
    assert data["decided_by"] == {"staff_member_id": "staff-7", "reason": "a second phase of the same project, by its partner",
                                  "machine_outcome": "needs_review"}  # fmt: skip
    with Session(running.ctx.engine) as session:
        (row,) = audit.trail(session)
    assert (row.submission_id, row.revision, row.outcome, row.machine_outcome, row.staff_member_id) == ("near", 1, "eligible", "needs_review", "staff-7")
    assert (row.event_id, row.decided_at.isoformat()[:19], row.reason) == (decision["id"], "2021-02-10T09:00:00", data["decided_by"]["reason"])


async def test_the_audit_trail_refuses_an_update_or_a_delete(running, redis):
    await near_copy_in_review(redis)
    await answer(redis, decided("near", "eligible"))
    with Session(running.ctx.engine) as session:
        (row,) = audit.trail(session)
        row.outcome = "ineligible"
        with pytest.raises(audit.AppendOnlyError):
            session.flush()
        session.rollback()
        session.delete(audit.trail(session)[0])
        with pytest.raises(audit.AppendOnlyError):
            session.flush()


@pytest.mark.parametrize(
    ("event", "sid", "reason"),
    [(decided("never-sent", "eligible"), "never-sent", "unknown_submission"),
     (decided("near", "eligible", time="2021-02-28T23:00:00Z"), "near", "too_late"),  # the nominee list's date, Geneva midnight
     (decided("near", "needs_review"), "near", "invalid_decision"),
     (decided("near", "eligible", reason=""), "near", "invalid_decision")],
)  # fmt: skip
async def test_a_decision_is_refused_with_its_reason_and_kept_off_the_trail(running, redis, event, sid, reason):
    await near_copy_in_review(redis)

    refused = await answer(redis, event)

    assert refused["type"] == "wsis.screening.refused" and refused["data"] == {"submission_id": sid, "reason": reason}
    with Session(running.ctx.engine) as session:
        assert audit.trail(session) == []


async def test_the_latest_decision_stands_against_a_rescreen_of_the_same_revision(running, redis):
    await near_copy_in_review(redis)
    await answer(redis, decided("near", "eligible"))
    await answer(redis, decided("near", "ineligible", "a copy after all"))
    amendment = received("orig", "2021-01-20T10:00:00Z", revision=2, **project(2))  # no longer like `near`
    await publish(redis, topology.OUT_SUBMISSION, amendment)

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(of(seen, "near")) == 4)

    rescreen = of(seen, "near")[-1]["data"]
    assert of(seen, "near")[-1]["causationid"] == amendment["id"]
    assert rescreen["outcome"] == "ineligible" and not rescreen["nominable"]
    assert rescreen["decided_by"] == {"staff_member_id": "staff-7", "reason": "a copy after all", "machine_outcome": "eligible"}
    with Session(running.ctx.engine) as session:
        assert [r.outcome for r in audit.trail(session, "near")] == ["eligible", "ineligible"]


async def test_an_amendment_sets_the_decision_aside_and_a_later_decision_is_on_the_new_revision(running, redis):
    await near_copy_in_review(redis)
    await answer(redis, decided("near", "eligible"))
    amended = NEAR | {"title": "Digital villages, the partner's phase"}
    await publish(redis, topology.OUT_SUBMISSION, received("near", "2021-01-20T10:00:00Z", revision=2, entity="org-3", category=2, **amended))

    seen = await wait_for(redis, topology.OUT_ELIGIBILITY, lambda seen: len(of(seen, "near")) == 3)
    fresh = of(seen, "near")[-1]["data"]
    assert fresh["outcome"] == "needs_review" and "decided_by" not in fresh

    again = await answer(redis, decided("near", "ineligible"))
    assert again["data"]["outcome"] == "ineligible" and again["data"]["decided_by"]["machine_outcome"] == "needs_review"
    with Session(running.ctx.engine) as session:
        assert [r.revision for r in audit.trail(session, "near")] == [1, 2]


async def test_vote_annulments_on_the_staff_stream_pass_unread(running, redis):
    annulment = cloudevent("wsis.staff.votes_annulled", {"voter_ids": ["v-1"], "staff_member_id": "staff-7", "reason": "fake"})
    await publish(redis, topology.IN_STAFF, annulment)
    marker = decided("never-sent", "eligible")
    await answer(redis, marker)
    assert await redis.xlen(topology.DEADLETTER) == 0
