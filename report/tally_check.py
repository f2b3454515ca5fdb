"""A report's counted votes rebuilt from `wsis:out:voting` alone (docs/tally.md). Pure.

The rule the voting service keeps (docs/tally.md, "What a report counts"):
a `wsis.voting.progress` or `wsis.voting.closed` counts every accepted vote
whose answer comes before it on the stream and whose `time` (the ballot's
time) is before its `as_of`, except the votes of voters named by a
`wsis.votes.annulled` before it. An event published twice (a redelivery)
counts once, by its `id`. `docs/verify_tally.py` applies the same rule with
the standard library alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from services.voting.domain import merkle
from shared.events import T

REPORTS = (T.VOTING_PROGRESS, T.VOTING_CLOSED)
ANSWERS = (T.VOTE_ACCEPTED, T.VOTE_REJECTED)


class Vote(NamedTuple):
    ballot_id: str
    category: int
    project_id: str
    at: datetime
    voter_id: str = ""

    @property
    def leaf(self) -> bytes:
        return merkle.leaf(self.ballot_id, self.category, self.project_id)


@dataclass(frozen=True)
class Report:
    """A published report and the votes it counts, as the stream before it says."""

    event: dict[str, Any]
    votes: list[Vote]

    @property
    def name(self) -> str:
        data = self.event["data"]
        return f"progress of week {data['week']}" if self.event["type"] == T.VOTING_PROGRESS else "close"

    @property
    def as_of(self) -> str:
        return self.event["data"]["as_of"]

    @property
    def published_root(self) -> str:
        return str(self.event["data"].get("ballots_root", ""))

    def leaves(self) -> list[bytes]:
        return merkle.ordered((vote.ballot_id, vote.leaf) for vote in self.votes)

    def root(self) -> str:
        return merkle.root(self.leaves()).hex()


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Replay:
    """Events fed in stream order; each report with the votes it counts, and the answers to one ballot."""

    def __init__(self, ballot_id: str | None = None) -> None:
        self.ballot_id = ballot_id
        self.accepted: list[Vote] = []
        self.answers: list[dict[str, Any]] = []  # those naming `ballot_id`
        self.reports: list[Report] = []
        self.annulled: set[str] = set()  # voters whose votes staff annulled
        self._seen: set[str] = set()

    def add(self, event: dict[str, Any]) -> Report | None:
        kind = event.get("type")
        if kind not in ANSWERS and kind not in REPORTS and kind != T.VOTES_ANNULLED or event["id"] in self._seen:
            return None
        self._seen.add(event["id"])
        data = event["data"]
        if kind == T.VOTES_ANNULLED:
            self.annulled.update(data.get("voter_ids") or ())
            return None
        if kind in ANSWERS:
            if self.ballot_id is not None and data.get("ballot_id") == self.ballot_id:
                self.answers.append(event)
            if kind == T.VOTE_ACCEPTED:
                self.accepted.append(
                    Vote(data["ballot_id"], data["category"], data["project_id"], instant(event["time"]), data["voter_id"])
                )
            return None
        cut = instant(data["as_of"])
        report = Report(event, [vote for vote in self.accepted if vote.at < cut and vote.voter_id not in self.annulled])
        self.reports.append(report)
        return report


def reports(events: Iterable[dict[str, Any]]) -> Iterator[Report]:
    """Every report of the stream, in order, with the votes it counts."""
    replay = Replay()
    for event in events:
        report = replay.add(event)
        if report is not None:
            yield report
