"""What an entry's coordinator is told of its verdict, first and as it changes (CONTRACT 5.5).

Pure, like `domain`: the verdict and what the address has heard so far in,
the one notice the verdict calls for (or none) out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.notify.domain import Notice, Occasion
from shared.events import SubmissionScreened

# The emails that tell an entry's verdict: the first, then each change.
OCCASIONS = (Occasion.acknowledgement.value, Occasion.verdict_changed.value)


def verdict_facts(screened: SubmissionScreened, decided_by: Mapping[str, Any] | None, screened_at: str) -> dict[str, Any]:
    """What an email about a verdict says: every failed or review rule with
    its reason, in the rule set's order; the staff's reason where staff
    decided (never the staff member's id); and when it was screened, which
    tells whether the entry can still be corrected."""
    findings = [{"rule": r.rule, "result": r.result, "reason": r.reason} for r in screened.rules if r.result != "pass"]
    staff = {"reason": decided_by.get("reason"), "machine_outcome": decided_by.get("machine_outcome")} if decided_by else None
    return {"outcome": screened.outcome, "category": screened.category, "findings": findings,
            "nominable": screened.nominable, "decided_by": staff, "screened_at": screened_at}


def acknowledgement(screened: SubmissionScreened, decided_by: Mapping[str, Any] | None = None, screened_at: str = "") -> Notice:
    return Notice(Occasion.acknowledgement, screened.submission_id, facts=verdict_facts(screened, decided_by, screened_at))


@dataclass(frozen=True, slots=True)
class Told:
    """What the coordinator's address has heard of the entry's verdict so far."""

    outcome: str | None = None  # in the last email that went (claimed or sent); None: none went
    pending: Occasion | None = None  # an email about the verdict queued and not gone yet


def verdict(facts: Mapping[str, Any], submission_id: str, told: Told, revision: int, cause_id: str) -> Notice | None:
    """The one email a new verdict calls for, if any (CONTRACT 5.5).

    Before any email went: the acknowledgement, with the latest facts. After
    it: a verdict-changed email when the outcome differs from the last one
    told, once per change (keyed by the new outcome, the revision and the
    event that changed it). A queued email not gone yet takes the latest
    facts instead of a second email following it.
    """
    if takes_back(told, facts["outcome"]):
        return None
    if told.pending is not None:
        return Notice(told.pending, submission_id, facts={**facts, "previous": told.outcome})
    if told.outcome is None:
        return Notice(Occasion.acknowledgement, submission_id, facts=facts)
    if told.outcome == facts["outcome"]:
        return None
    key = f"{facts['outcome']}|r{revision}|{cause_id}"
    return Notice(Occasion.verdict_changed, submission_id, facts={**facts, "previous": told.outcome}, key=key)


def takes_back(told: Told, outcome: str) -> bool:
    """A change queued and undone before its email went: the coordinator
    still holds the outcome they were told, so the email is withdrawn."""
    return told.pending is Occasion.verdict_changed and told.outcome == outcome
