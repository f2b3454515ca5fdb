"""Staff decisions on screening (CONTRACT 5.1): a person answers where the rules cannot.

A decision is accepted until the nominee list is published and only for an
entry that has a verdict; it then stands for the entry's latest revision
(an amendment sets it aside: the new revision is screened afresh). The
verdict it gives keeps the machine's rules and says who decided and why.
Pure: data and facts in, decision out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.events import DecidedBy, ScreeningRefused, StaffScreeningDecided, SubmissionScreened


@dataclass(frozen=True, slots=True)
class Standing:
    """The latest staff decision on one revision of an entry."""

    revision: int
    outcome: str
    staff_member_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    revision: int | None  # the entry's latest revision with a verdict; None: never screened
    in_future: bool = False  # stamped too far ahead of the wall clock (CONTRACT 2)


@dataclass(frozen=True, slots=True)
class Refuse:
    refused: ScreeningRefused
    why: str


@dataclass(frozen=True, slots=True)
class Accept:
    standing: Standing


def read_decision(data: dict[str, Any]) -> StaffScreeningDecided | Refuse:
    try:
        return StaffScreeningDecided.model_validate(data)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        sid = data.get("submission_id")
        sid = sid.strip() or None if isinstance(sid, str) else None
        return Refuse(ScreeningRefused(submission_id=sid, reason="invalid_decision"), "does not fit: " + ", ".join(fields))


def decide(decision: StaffScreeningDecided, time: datetime, facts: DecisionFacts, nominees_published: datetime) -> Accept | Refuse:
    """`too_late` once the nominee list's date is reached; `unknown_submission` without a verdict."""
    sid = decision.submission_id
    if facts.in_future:
        return Refuse(ScreeningRefused(submission_id=sid, reason="invalid_decision"), "time_in_future")
    if time >= nominees_published:
        return Refuse(ScreeningRefused(submission_id=sid, reason="too_late"), "the nominee list's date has passed")
    if facts.revision is None:
        return Refuse(ScreeningRefused(submission_id=sid, reason="unknown_submission"), "no verdict for the entry")
    return Accept(Standing(facts.revision, decision.outcome, decision.staff_member_id, decision.reason))


def overridden(machine: SubmissionScreened, standing: Standing) -> SubmissionScreened:
    """The machine's verdict with the staff's outcome: its rules kept, `nominable` from the pre-checks."""
    prechecks_pass = all(r.result == "pass" for r in machine.rules if is_precheck(r.rule))
    return machine.model_copy(
        update={
            "outcome": standing.outcome,
            "nominable": standing.outcome == "eligible" and prechecks_pass,
            "decided_by": DecidedBy(staff_member_id=standing.staff_member_id, reason=standing.reason, machine_outcome=machine.outcome),
        }
    )


def is_precheck(rule_id: str) -> bool:
    """Nomination pre-checks are the `N` rules (`shared.rules`)."""
    return rule_id.startswith("N")
