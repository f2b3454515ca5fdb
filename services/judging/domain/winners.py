"""Winner selection by the expert group (CONTRACT 5.3, call Annex 2 phase 4).

Accepted only inside phase 4, only for one of the category's five finalists
(from `wsis.voting.closed`), once per category: the panel's decision is
final. Pure: facts in, decision out.

Phase 4 opens after the vote closes, so a selection timed inside it needs
finalists that must already exist: until `wsis.voting.closed` has been seen
the selection waits (in the panel's order) rather than being refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.judging.domain.common import IN_FUTURE, Hold, Unfit, read, time_error
from shared.contest import Contest
from shared.events import FieldError, WinnerRecorded, WinnerRefused, WinnerSelected

REASONS = ("outside_window", "not_a_finalist", "already_decided")
# A submission or category that cannot be read names no finalist.
FIELD_REASONS = {"submission_id": "not_a_finalist", "category": "not_a_finalist"}
QUEUE = "winners"


@dataclass(frozen=True, slots=True)
class SelectionFacts:
    finalists: tuple[str, ...] | None  # None: `wsis.voting.closed` not seen yet
    decided: bool  # the category has its winner
    announced: bool  # the ceremony is over: nothing changes any more
    queue_waiting: bool


@dataclass(frozen=True, slots=True)
class Record:
    recorded: WinnerRecorded


@dataclass(frozen=True, slots=True)
class Refuse:
    refused: WinnerRefused
    why: str


def read_selection(data: dict[str, Any]) -> WinnerSelected | Refuse:
    found = read(WinnerSelected, data, FIELD_REASONS, REASONS)
    if isinstance(found, Unfit):
        refused = WinnerRefused(
            category=found.category, submission_id=found.submission_id, reason=found.reason, errors=list(found.errors)
        )
        return Refuse(refused, "the data does not fit the schema")
    return found


def decide_selection(
    selection: WinnerSelected, time: datetime, facts: SelectionFacts, contest: Contest, *, in_future: bool = False
) -> Record | Refuse | Hold:
    def refuse(reason: str, why: str, errors: tuple[FieldError, ...] = ()) -> Refuse:
        refused = WinnerRefused(
            category=selection.category, submission_id=selection.submission_id, reason=reason, errors=list(errors) or None
        )
        return Refuse(refused, why)

    if in_future:
        return refuse("outside_window", "time_in_future", time_error(IN_FUTURE))
    if time not in contest.winner_selection:
        return refuse("outside_window", "outside phase 4")
    if facts.announced:
        return refuse("outside_window", "the awards are already announced")
    if facts.finalists is None or facts.queue_waiting:
        return Hold(QUEUE, "the close of voting has not arrived")
    if selection.submission_id not in facts.finalists:
        return refuse("not_a_finalist", "not among the category's finalists")
    if facts.decided:
        return refuse("already_decided", "the category has its winner; the decision is final")
    return Record(WinnerRecorded(category=selection.category, submission_id=selection.submission_id))
