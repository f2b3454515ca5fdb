"""The contest folded from the services' public events, one entry at a time.

`ContestState.apply(stream, raw)` takes entries in stream order (each stream
on its own); reading them again from the start gives the same state.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol, get_args

import orjson

from shared import topology
from shared.events import RejectionReason, T

# The public streams a report may read: never the sealed one, never intake's (personal data).
READABLE = (topology.OUT_ELIGIBILITY, topology.OUT_JUDGING, topology.OUT_VOTING, topology.OUT_NOTIFY, topology.DEADLETTER)
VOTE_ANSWERS = frozenset({T.VOTE_ACCEPTED, T.VOTE_REJECTED})
VOTE_REASONS: tuple[str, ...] = get_args(RejectionReason)  # the contract's order


class Taker(Protocol):
    def take(self, stream: str, event: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Screened:
    category: int
    entity_id: str
    outcome: str
    failed: tuple[str, ...]
    review: tuple[str, ...]
    nominable: bool


@dataclass
class ContestState:
    positions: dict[str, str] = field(default_factory=lambda: {s: "0-0" for s in READABLE})
    verdicts: dict[str, Screened] = field(default_factory=dict)
    screened_events: int = 0
    screened_causes: set[str] = field(default_factory=set)  # the `received` events that were screened
    nominations: dict[str, int] = field(default_factory=dict)  # recorded: submission id -> category
    nomination_refusals: Counter[str] = field(default_factory=Counter)
    nominees: dict[int, list[dict[str, str]]] | None = None
    winner_refusals: Counter[str] = field(default_factory=Counter)
    awards: dict[int, dict[str, Any]] | None = None
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    answers: dict[str, int] = field(default_factory=dict)  # ballot id -> 0 accepted, else 1 + reason's index
    repeated_answers: int = 0  # the same answer again (a redelivery): dropped
    conflicting_answers: int = 0  # another answer to a ballot already answered: must never happen
    progress: dict[int, dict[int, dict[str, int]]] = field(default_factory=dict)  # week -> category -> project -> votes
    closed: dict[int, dict[str, Any]] | None = None
    closed_as_of: str | None = None
    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    dead_letters: Counter[str] = field(default_factory=Counter)
    causes: set[str] = field(default_factory=set)  # causation ids of judging's answers (the panel's events)
    seen: set[str] = field(default_factory=set)  # event ids, but vote answers' (kept by ballot in `answers`)
    votes_to: Taker | None = None  # also given the accepted votes and annulments, parsed (report.integrity.collect)

    def apply(self, stream: str, raw: bytes | None) -> None:
        try:
            event = orjson.loads(raw or b"")
            kind, data, event_id = event["type"], event["data"], event["id"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return  # not a service's event: nothing to tell
        if kind in VOTE_ANSWERS:
            if self._answer(kind, data) and kind == T.VOTE_ACCEPTED and self.votes_to is not None:
                self.votes_to.take(stream, event)
            return
        if event_id in self.seen:  # a repeat after a redelivery (CONTRACT 1): dropped by id
            return
        self.seen.add(event_id)
        if stream == topology.OUT_VOTING:
            self._voting(kind, data)
            if kind == T.VOTES_ANNULLED and self.votes_to is not None:
                self.votes_to.take(stream, event)
        elif stream == topology.OUT_ELIGIBILITY and kind == T.SUBMISSION_SCREENED:
            self._screened(data)
            self.screened_causes.add(event.get("causationid") or "")
        elif stream == topology.OUT_JUDGING:
            self._judging(kind, data, event.get("causationid"))
        elif stream == topology.OUT_NOTIFY:
            (self.sent if kind == T.NOTIFICATION_SENT else self.failed)[data.get("occasion", "?")] += 1
        elif stream == topology.DEADLETTER:
            self.dead_letters[data.get("stream", "?")] += 1

    def _answer(self, kind: str, data: dict[str, Any]) -> bool:
        """Whether it is the ballot's first answer."""
        reason = data.get("reason", "?") if kind == T.VOTE_REJECTED else None
        code = 0 if reason is None else 1 + (VOTE_REASONS.index(reason) if reason in VOTE_REASONS else len(VOTE_REASONS))
        ballot = data.get("ballot_id", "")
        before = self.answers.get(ballot)
        if before is not None:
            if before == code:
                self.repeated_answers += 1
            else:
                self.conflicting_answers += 1
            return False
        self.answers[ballot] = code
        if reason is None:
            self.accepted += 1
        else:
            self.rejected[reason] += 1
        return True

    def _voting(self, kind: str, data: dict[str, Any]) -> None:
        if kind == T.VOTING_PROGRESS:
            self.progress[data["week"]] = {
                c["category"]: {p["project_id"]: p["votes"] for p in c["projects"]} for c in data["categories"]
            }
        elif kind == T.VOTING_CLOSED and self.closed is None:
            self.closed = {c["category"]: c for c in data["categories"]}
            self.closed_as_of = data.get("as_of")

    def _screened(self, data: dict[str, Any]) -> None:
        self.screened_events += 1
        rules = data.get("rules", [])
        self.verdicts[data["submission_id"]] = Screened(
            data.get("category", 0), data.get("entity_id", ""), data.get("outcome", "?"),
            tuple(r["rule"] for r in rules if r.get("result") == "fail"),
            tuple(r["rule"] for r in rules if r.get("result") == "review"), bool(data.get("nominable")),
        )  # fmt: skip

    def _judging(self, kind: str, data: dict[str, Any], cause: str | None) -> None:
        if cause:
            self.causes.add(cause)
        if kind == T.NOMINATION_RECORDED:
            self.nominations[data["submission_id"]] = data["category"]
        elif kind == T.NOMINATION_REFUSED:
            self.nomination_refusals[data.get("reason", "?")] += 1
        elif kind == T.NOMINATIONS_PUBLISHED and self.nominees is None:
            self.nominees = {c["category"]: c["nominees"] for c in data["categories"]}
        elif kind == T.WINNER_REFUSED:
            self.winner_refusals[data.get("reason", "?")] += 1
        elif kind == T.AWARDS_ANNOUNCED and self.awards is None:
            self.awards = {c["category"]: c for c in data["categories"]}
