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
    factor: int = 2 ** max(0, attempts - 1)  # an int power of two: the exponent is never negative
    return min(cap_seconds, base_seconds * factor)


def may_publish(confidential: bool, announced: bool) -> bool:
    """CONTRACT 5.5: even the existence of the winner contact stays in the
    store until the awards are announced."""
    return announced or not confidential
