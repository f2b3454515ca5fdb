"""What the service publishes for everyone: the nominee list and the awards.

Until the awards are announced, every public word calls all five finalists
"champions" (CONTRACT 5.4); the winners exist only on the sealed stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.judging.domain.common import Hold, Ignore
from services.judging.domain.winners import QUEUE
from shared.contest import Contest
from shared.events import (
    AwardsAnnounced,
    CategoryAwards,
    CategoryNominees,
    NominationsPublished,
    Nominee,
)


@dataclass(frozen=True, slots=True)
class Announce:
    pass


def nominee_list(categories: Iterable[int], nominees: Mapping[int, Sequence[Nominee]]) -> NominationsPublished:
    """Every category, also one with fewer nominees than the quota (or none)."""
    return NominationsPublished(
        categories=[CategoryNominees(category=c, nominees=list(nominees.get(c, ()))) for c in sorted(categories)]
    )


def short_categories(published: NominationsPublished, quota: int) -> dict[int, int]:
    """Categories with fewer nominees than the quota, and how many they have."""
    return {c.category: len(c.nominees) for c in published.categories if len(c.nominees) < quota}


def decide_announcement(
    time: datetime, contest: Contest, *, closed: bool, announced: bool, queue_waiting: bool, in_future: bool = False
) -> Announce | Hold | Ignore:
    """The ceremony (phase 5) comes after phase 4 opens; the contract has no
    refusal for it, so one sent too early or twice is ignored and logged."""
    if announced:
        return Ignore("the awards are already announced")
    if in_future:
        return Ignore("time_in_future")
    if time < contest.winner_selection.start:
        return Ignore("before the winner selection opens: the ceremony cannot have happened")
    if not closed or queue_waiting:
        return Hold(QUEUE, "the close of voting has not arrived")
    return Announce()


def awards(
    categories: Iterable[int], finalists: Mapping[int, Sequence[str]], winners: Mapping[int, str]
) -> tuple[AwardsAnnounced, list[int]]:
    """Winner and champions per category, and the categories without a decision.

    A category without a decision has no winner (`winner` is null) and
    all its finalists are champions: nothing is invented.
    """
    result: list[CategoryAwards] = []
    undecided: list[int] = []
    for category in sorted(categories):
        winner = winners.get(category)
        if winner is None:
            undecided.append(category)
        champions = [f for f in finalists.get(category, ()) if f != winner]
        result.append(CategoryAwards(category=category, winner=winner, champions=champions))
    return AwardsAnnounced(categories=result), undecided
