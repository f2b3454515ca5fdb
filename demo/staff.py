"""The WSIS team's console: staff decisions on screening (CONTRACT 5.1).

After the screening, staff read the entries left `needs_review` (near
copies, an unsure language) and decide them, eligible or ineligible, each
with a reason; they also overturn one machine verdict (an entry failed
for its work's status, which a letter from the coordinator mends), and one
decision names an entry that was never submitted (a typo), which the
eligibility service refuses. Decisions are timed early in the nomination
phase, before the panel nominates and well before the nominee list.

A function of the seed and of the verdicts the services published, never
of their reading order.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from demo import platform_events
from shared import topology
from shared.contest import Contest
from shared.events import T

CONSOLE = "wsis-prizes-demo/console"
STAFF = ("staff-amara", "staff-bruno", "staff-chen")
AT_MOST = 4  # needs_review entries decided: a few (the rest wait, as in a real inbox)


class Screening(Protocol):
    """What a decision is made from: the latest `wsis.submission.screened` of an entry."""

    @property
    def outcome(self) -> str: ...
    @property
    def failed(self) -> Sequence[str]: ...
    @property
    def review(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class StaffDecision:
    event: platform_events.Event
    submission_id: str
    outcome: str  # eligible | ineligible
    staff_member_id: str
    machine_outcome: str  # the verdict decided on ("" for an entry never submitted)
    refusal: str = ""  # the reason the service must refuse it with, if it must
    override: bool = False  # overturns a machine verdict (not a review)


def typo_id(seed: int) -> str:
    """An entry id that was never submitted (the simulated ids end well below 90000)."""
    return f"ws21-{seed}-90210"


def screening_decisions(seed: int, contest: Contest, verdicts: Mapping[str, Screening]) -> list[StaffDecision]:
    rng = random.Random(f"{seed}:staff")
    planned: list[tuple[str, str, str, str, str, bool]] = []  # sid, outcome, reason, machine, refusal, override
    reviews = sorted(sid for sid, v in verdicts.items() if v.outcome == "needs_review")
    rng.shuffle(reviews)
    for n, sid in enumerate(reviews[:AT_MOST]):
        copy = any(r.startswith("S4") for r in verdicts[sid].review)
        outcome = "eligible" if n == 0 else "ineligible" if n == 1 else "ineligible" if copy else "eligible"
        if outcome == "eligible":
            reason = "read by staff: a different project from the entry it resembles" if copy else "read by staff: written in English"
        else:
            reason = "read by staff: the same project as an earlier entry" if copy else "read by staff: not written in English"
        planned.append((sid, outcome, reason, "needs_review", "", False))
    status = sorted(sid for sid, v in verdicts.items() if v.outcome == "ineligible" and tuple(v.failed) == ("S6.completed_work",))
    failed = status or sorted(sid for sid, v in verdicts.items() if v.outcome == "ineligible")
    if failed:
        sid = rng.choice(failed)
        planned.append((sid, "eligible", "the coordinator's letter shows a key phase completed in 2020", "ineligible", "", True))
    planned.append((typo_id(seed), "eligible", "read by staff: answers the rules", "", "unknown_submission", False))
    at = contest.nomination.start + timedelta(hours=9)
    decisions = []
    for n, (sid, outcome, reason, machine, refusal, override) in enumerate(planned):
        staff = STAFF[n % len(STAFF)]
        data = {"submission_id": sid, "outcome": outcome, "staff_member_id": staff, "reason": reason}
        when = platform_events.iso(at + timedelta(minutes=25 * n))
        event = platform_events.event(topology.IN_STAFF, T.STAFF_SCREENING_DECIDED, f"staff{seed}-{n:03d}", CONSOLE, when, data)
        decisions.append(StaffDecision(event, sid, outcome, staff, machine, refusal, override))
    return decisions


def answered_as_decided(decision: StaffDecision, answer: Mapping | None) -> bool:
    """The service's answer is the one the contract gives this decision."""
    if answer is None:
        return False
    data = answer.get("data") or {}
    if decision.refusal:
        return answer.get("type") == T.SCREENING_REFUSED and data.get("reason") == decision.refusal
    by = data.get("decided_by") or {}
    return (answer.get("type") == T.SUBMISSION_SCREENED and data.get("submission_id") == decision.submission_id
            and data.get("outcome") == decision.outcome and by.get("staff_member_id") == decision.staff_member_id
            and by.get("machine_outcome") == decision.machine_outcome)  # fmt: skip
