"""Nominations by the expert group (CONTRACT 5.3, call Annex 2 phase 2).

A nomination is recorded only inside the nomination window, only for an
entry screened `eligible`, in the entry's own category, while the category
has fewer than its quota (20), and once per entry. An entry the submission
service never received is `unknown_submission` at once; one received but not
yet screened, or screened `needs_review`, waits for its verdict (a staff
decision's) until the window closes, alone: decisions on other entries go on.
The quota still fills in the panel's order: a later decision whose outcome
could depend on a waiting nomination (the places left, counting every
earlier nomination still waiting in the category, do not suffice for all)
waits behind it in the category's queue. Pure: facts in, decision out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.judging.domain.common import (
    IN_FUTURE,
    Hold,
    Ignore,
    Unfit,
    read,
    time_error,
)
from shared.contest import Contest
from shared.events import (
    FieldError,
    NominationRecorded,
    NominationRefused,
    NominationWithdrawn,
    PanelNominated,
)

# The contract's reasons, in the order they are checked. `already_nominated`
# comes before `category_full`: naming an entry that already holds a place
# in a full category again is a repeat, not a bid for a 21st place.
REASONS = ("outside_window", "unknown_submission", "not_eligible", "category_mismatch", "already_nominated", "category_full")
FIELD_REASONS = {"submission_id": "unknown_submission", "category": "category_mismatch"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What eligibility said of an entry (its latest `wsis.submission.screened`)."""

    entity_id: str
    category: int
    outcome: str
    nominable: bool


@dataclass(frozen=True, slots=True)
class NominationFacts:
    verdict: Verdict | None
    received: bool  # the submission service published the entry before the nomination arrived
    nominated_in: int | None  # the category the entry already holds a place in
    filled: int  # places taken in the nominated category
    published: bool  # the nominee list is out: it never changes again
    window_closed: bool  # a tick at or after the window's close was handled
    queue_waiting: bool  # an earlier decision about this entry waits in its queue
    category_waiting: bool = False  # an earlier decision waits in the category's queue
    pending: int = 0  # earlier nominations in this category waiting for their facts


@dataclass(frozen=True, slots=True)
class WithdrawalFacts:
    nominated_in: int | None
    waiting_in: str | None  # the queue of an earlier, waiting nomination of the entry
    published: bool
    category_waiting: bool = False  # an earlier decision waits in the nominee's category's queue
    filled: int = 0  # places taken in the nominee's category
    pending: int = 0  # earlier nominations in that category waiting for their facts


@dataclass(frozen=True, slots=True)
class Record:
    recorded: NominationRecorded
    nominable: bool


@dataclass(frozen=True, slots=True)
class Withdraw:
    submission_id: str
    category: int


@dataclass(frozen=True, slots=True)
class Refuse:
    refused: NominationRefused
    why: str


def queue_of(submission_id: str) -> str:
    """Decisions wait per entry: one waiting for its verdict holds up no other entry's."""
    return f"nomination:{submission_id}"


def category_queue(category: int) -> str:
    """Decisions whose outcome depends on the places a waiting nomination may take."""
    return f"places:{category}"


def places_uncertain(filled: int, pending: int, quota: int) -> bool:
    """Would the places left run out if every earlier waiting nomination were recorded?"""
    return filled < quota <= filled + pending


def read_nomination(data: dict[str, Any]) -> PanelNominated | Refuse:
    found = read(PanelNominated, data, FIELD_REASONS, REASONS)
    return _unfit(found) if isinstance(found, Unfit) else found


def read_withdrawal(data: dict[str, Any]) -> NominationWithdrawn | Refuse:
    found = read(NominationWithdrawn, data, FIELD_REASONS, REASONS)
    return _unfit(found) if isinstance(found, Unfit) else found


def decide_nomination(
    nomination: PanelNominated, time: datetime, facts: NominationFacts, contest: Contest, *, in_future: bool = False
) -> Record | Refuse | Hold:
    sid, category = nomination.submission_id, nomination.category

    def refuse(reason: str, why: str, errors: tuple[FieldError, ...] = ()) -> Refuse:
        return Refuse(NominationRefused(submission_id=sid, category=category, reason=reason, errors=list(errors) or None), why)

    if in_future:
        return refuse("outside_window", "time_in_future", time_error(IN_FUTURE))
    if time not in contest.nomination:
        return refuse("outside_window", "outside the nomination window")
    if facts.published:
        return refuse("outside_window", "the nominee list is already published")
    if facts.queue_waiting:
        return Hold(queue_of(sid), "an earlier decision about this entry waits")
    if facts.verdict is None:
        if not facts.received:
            return refuse("unknown_submission", "the submission service never received the entry")
        if not facts.window_closed:
            return Hold(queue_of(sid), "the screened verdict has not arrived")
        return refuse("unknown_submission", "no screened verdict by the close of the nomination window")
    if facts.verdict.outcome == "needs_review" and not facts.window_closed:
        return Hold(queue_of(sid), "the entry waits for a staff decision on its screening")
    if facts.verdict.outcome != "eligible":
        return refuse("not_eligible", f"screened {facts.verdict.outcome}")
    if facts.verdict.category != category:
        return refuse("category_mismatch", f"the entry is in category {facts.verdict.category}")
    if facts.category_waiting:
        return Hold(category_queue(category), "an earlier decision in this category waits")
    if facts.nominated_in is not None:
        return refuse("already_nominated", "the entry already holds a place")
    if facts.filled >= contest.quotas.nominees_per_category:
        return refuse("category_full", f"{facts.filled} nominees already")
    if places_uncertain(facts.filled, facts.pending, contest.quotas.nominees_per_category):
        return Hold(category_queue(category), "the places left depend on earlier nominations still waiting")
    return Record(NominationRecorded(submission_id=sid, category=category), facts.verdict.nominable)


def decide_withdrawal(
    withdrawal: NominationWithdrawn, time: datetime, facts: WithdrawalFacts, contest: Contest, *, in_future: bool = False
) -> Withdraw | Refuse | Hold | Ignore:
    """Only before the nominee list is published. A successful withdrawal has
    no event of its own in the contract: the list shows it."""
    sid = withdrawal.submission_id

    def refuse(why: str, errors: tuple[FieldError, ...] = ()) -> Refuse:
        refused = NominationRefused(submission_id=sid, category=facts.nominated_in, reason="outside_window", errors=list(errors) or None)
        return Refuse(refused, why)

    if in_future:
        return refuse("time_in_future", time_error(IN_FUTURE))
    if facts.published or time >= contest.nominees_published:
        return refuse("the nominee list is already published")
    if facts.waiting_in is not None:
        return Hold(facts.waiting_in, "the nomination it withdraws waits")
    if facts.nominated_in is None:
        return Ignore("the entry holds no place: nothing to withdraw")
    # A place freed before an earlier waiting nomination is decided could change its outcome.
    if facts.category_waiting or (facts.pending and facts.filled + facts.pending >= contest.quotas.nominees_per_category):
        return Hold(category_queue(facts.nominated_in), "an earlier decision in this category waits")
    return Withdraw(sid, facts.nominated_in)


def _unfit(found: Unfit) -> Refuse:
    refused = NominationRefused(
        submission_id=found.submission_id, category=found.category, reason=found.reason, errors=list(found.errors)
    )
    return Refuse(refused, "the data does not fit the schema")
