"""The panel is answered within seconds (CONTRACT 5.3), and staff decide on screening (5.1): `wsis up`, streams only."""

from __future__ import annotations

from tests.e2e.test_eligibility_flow import send, wait_for_verdicts
from tests.support.events import cloudevent
from tests.support.streams import put, read
from tests.support.texts import ENGLISH
from tests.support.waiting import wait_until

PANEL, STAFF, JUDGING = "wsis:in:panel", "wsis:in:staff", "wsis:out:judging"


def nominate(client, sid: str) -> dict:
    sent = cloudevent("wsis.panel.nominated", {"submission_id": sid, "category": 4, "panel_member_id": "m-1"}, time_="2021-02-10T10:00:00Z")
    put(client, PANEL, sent)
    return sent


def answers(client, *sent: dict, timeout: float = 15.0) -> list[dict]:
    """The answers to `sent`, in their order, once each has one."""
    ids = [s["id"] for s in sent]

    def found() -> list[dict] | None:
        by_cause = {e["causationid"]: e for e in read(client, JUDGING)}
        return [by_cause[i] for i in ids] if all(i in by_cause for i in ids) else None

    return wait_until(found, what=lambda: f"answers to {ids}; saw {read(client, JUDGING)}", timeout=timeout, every=0.1)


def test_an_unknown_entry_is_refused_at_once_and_an_entry_in_review_is_nominated_once_staff_decide(system):
    client = system.start()
    original = {"title": "Digital Villages", "short_description": ENGLISH[0]}
    send(client, "village", "2021-01-10T09:00:00+01:00", **original)
    near = original | {"short_description": ENGLISH[0] + " Twelve more villages join the network in 2021."}
    send(client, "near", "2021-01-14T09:00:00+01:00", entity="org-5", **near)
    found = wait_for_verdicts(client, 2)
    assert (found["village"][0]["outcome"], found["near"][0]["outcome"]) == ("eligible", "needs_review")

    typo, valid, in_review = nominate(client, "vilage"), nominate(client, "village"), nominate(client, "near")

    refused, recorded = answers(client, typo, valid)
    assert (refused["type"], refused["data"]["reason"]) == ("wsis.nomination.refused", "unknown_submission")
    assert recorded["type"] == "wsis.nomination.recorded"

    decision = {"submission_id": "near", "outcome": "eligible", "staff_member_id": "staff-7", "reason": "the partner's own phase"}
    put(client, STAFF, cloudevent("wsis.staff.screening_decided", decision, time_="2021-02-11T09:00:00Z", source="console"))
    (settled,) = answers(client, in_review)
    assert (settled["type"], settled["data"]) == ("wsis.nomination.recorded", {"submission_id": "near", "category": 4})
    decided = [e for e in read(client, "wsis:out:eligibility") if e["data"].get("decided_by")]
    assert [(e["data"]["submission_id"], e["data"]["outcome"]) for e in decided] == [("near", "eligible")]
    assert system.interrupt() == 0
