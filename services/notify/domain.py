"""Who is told what (CONTRACT 5.5), and what the embargo (5.4) allows.

Pure: contract events in, `Notice`s out. A notice names an occasion, the
entry it is about, the voting week where there is one, and the facts its
email needs (never a name or an address: those are looked up at sending).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from shared.envelope import ID_NAMESPACE
from shared.events import (
    AwardsAnnounced,
    NominationsPublished,
    SubmissionScreened,
    VotingClosed,
    VotingProgress,
    WinnerRecorded,
)


class Occasion(StrEnum):
    """The rows of the contract's table, one email template each."""

    acknowledgement = "acknowledgement"  # entry received and screened
    verdict_changed = "verdict_changed"  # after the first email, the outcome changed
    nomination = "nomination"  # nominated, or not nominated
    progress = "progress"  # weekly voting progress (V7)
    winner = "winner"  # selected as winner: immediately, confidential
    champion = "champion"  # one of the five finalists, after voting closes
    awards = "awards"  # the ceremony's results


# The emails that tell an entry's verdict: the first, then each change.
VERDICT_OCCASIONS = (Occasion.acknowledgement.value, Occasion.verdict_changed.value)
# Only this occasion may tell a winner from a champion before the ceremony.
CONFIDENTIAL = frozenset({Occasion.winner})
NO_WEEK = 0


@dataclass(frozen=True, slots=True)
class Notice:
    occasion: Occasion
    submission_id: str
    week: int = NO_WEEK
    facts: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""  # tells apart the notices of one occasion and week (a verdict change's outcome, revision, cause)

    @property
    def confidential(self) -> bool:
        return self.occasion in CONFIDENTIAL


def notification_id(occasion: str, submission_id: str, week: int, address_no: int, key: str = "") -> str:
    """Deterministic, and free of personal data: the recipient enters as the
    number of the entry's coordinator address (0, then 1 after an amendment
    changed it), never as the address itself."""
    name = f"wsis.notification|{occasion}|{submission_id}|{week}|{address_no}"
    return str(uuid.uuid5(ID_NAMESPACE, f"{name}|{key}" if key else name))


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


def nominee_categories(published: NominationsPublished) -> dict[str, int]:
    return {n.submission_id: c.category for c in published.categories for n in c.nominees}


def nomination(submission_id: str, category: int, nominees: Mapping[str, int]) -> Notice:
    nominated = submission_id in nominees
    facts = {"nominated": nominated, "category": nominees.get(submission_id, category)}
    return Notice(Occasion.nomination, submission_id, facts=facts)


def nominations(published: NominationsPublished, screened: Mapping[str, int]) -> list[Notice]:
    """Nominees are told they are nominated; every other screened entry that it is not."""
    nominees = nominee_categories(published)
    told = [nomination(sid, category, nominees) for sid, category in nominees.items()]
    told += [nomination(sid, category, nominees) for sid, category in screened.items() if sid not in nominees]
    return told


def progress(report: VotingProgress) -> list[Notice]:
    """One notice per listed project: its votes and rank in its category."""
    notices = []
    for standing in report.categories:
        for project in standing.projects:
            facts = {
                "category": standing.category,
                "votes": project.votes,
                "rank": project.rank,
                "projects": len(standing.projects),
                "as_of": report.as_of.isoformat(),
            }
            notices.append(Notice(Occasion.progress, project.project_id, report.week, facts))
    return notices


def champions(closed: VotingClosed) -> list[Notice]:
    """All five finalists are champions: the panel has not chosen yet, and
    whatever it chose stays sealed until the ceremony."""
    notices = []
    for result in closed.categories:
        votes = {t.project_id: t.votes for t in result.tally}
        for project_id in result.finalists:
            facts = {"category": result.category, "votes": votes.get(project_id), "finalists": len(result.finalists)}
            notices.append(Notice(Occasion.champion, project_id, facts=facts))
    return notices


def winner(recorded: WinnerRecorded) -> Notice:
    return Notice(Occasion.winner, recorded.submission_id, facts={"category": recorded.category})


def awards(announced: AwardsAnnounced, titles: Mapping[str, str]) -> list[Notice]:
    """After the ceremony every finalist learns the result of its category."""
    notices = []
    for result in announced.categories:
        common = {"category": result.category, "winner_id": result.winner, "winner_title": titles.get(result.winner or "")}
        if result.winner:
            notices.append(Notice(Occasion.awards, result.winner, facts={**common, "won": True}))
        for champion in result.champions:
            notices.append(Notice(Occasion.awards, champion, facts={**common, "won": False}))
    return notices


def finalists_of(announced: AwardsAnnounced) -> Iterable[str]:
    for result in announced.categories:
        if result.winner:
            yield result.winner
        yield from result.champions


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """Exponential backoff after the `attempts`-th failed try: base, 2 x base, 4 x base... up to the cap."""
    return min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))


def may_publish(confidential: bool, announced: bool) -> bool:
    """CONTRACT 5.5: even the existence of the winner contact stays in the
    store until the awards are announced."""
    return announced or not confidential
