"""`wsis trace`: one entry's story, from every event about it on every stream but the sealed one, in time order.

Five services and the outside systems each hold a piece of it; here they
are read side by side. Ballots for the entry are counted per voting week
(a summary line each), not listed. The embargo holds (CONTRACT 5.4): until
`wsis.awards.announced` the panel's winner selections on `wsis:in:panel`
are left out, silently, since even a hidden step would tell the winner.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from report import streams
from report.raw import RawConnection
from report.trace_steps import DESCRIBERS
from shared import topology
from shared.contest import Contest
from shared.events import T

# The order of steps at the same instant: an answer carries its cause's time, so the inbound streams
# come first, then the services in the order an entry moves through them.
# The member registry's and the clock's streams say nothing about an entry.
STORY = (topology.IN_SUBMISSIONS, topology.IN_STAFF, topology.IN_PANEL, topology.IN_BALLOTS, topology.OUT_SUBMISSION,
         topology.OUT_ELIGIBILITY, topology.OUT_JUDGING, topology.OUT_VOTING, topology.OUT_NOTIFY, topology.DEADLETTER)  # fmt: skip
BALLOT_ANSWERS = (T.VOTE_ACCEPTED, T.VOTE_REJECTED)
EARLIEST = datetime.min.replace(tzinfo=UTC)


class UnknownEntry(LookupError):
    """No event about the entry on any stream."""


@dataclass
class WeekVotes:
    """Ballots naming the entry in one voting week, and their answers."""

    cast: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    last: tuple[datetime, str] = (EARLIEST, "")  # the latest ballot's time and its text
    service: str = ""


def _utc(text: str, instant: datetime) -> str:
    """The time in UTC, as every step shows it; as it was written if it is not a time at all."""
    return text if instant == EARLIEST else instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _instant(text: Any) -> datetime:
    try:
        instant = datetime.fromisoformat(str(text))
    except ValueError:
        return EARLIEST
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


class Story:
    def __init__(self, submission_id: str, contest: Contest) -> None:
        self.sid = submission_id
        self.contest = contest
        # Cheap first look at the raw bytes: JSON may spell the id with or without \u escapes.
        self.needles = {submission_id.encode(), json.dumps(submission_id)[1:-1].encode()}
        self.steps: list[tuple[datetime, int, int, dict[str, Any]]] = []
        self.weeks: dict[int, WeekVotes] = defaultdict(WeekVotes)
        self.seen: set[tuple[str, str]] = set()
        self.answered: set[str] = set()
        self.announced = False

    def keep(self, stream: str, raw: bytes | None, _entry_id: str) -> None:
        if not raw or not any(n in raw for n in self.needles):
            return
        try:
            event = orjson.loads(raw)
            kind, data, time_ = event["type"], event["data"], event["time"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        if not isinstance(data, dict) or (stream, str(event.get("id"))) in self.seen:
            return  # a repeat after a redelivery (CONTRACT 1)
        self.seen.add((stream, str(event.get("id"))))
        at = _instant(time_)
        if kind == T.BALLOT_CAST or kind in BALLOT_ANSWERS:
            self._ballot(kind, data, at, str(time_), str(event.get("source", "")))
            return
        describe = DESCRIBERS.get(kind)
        said = describe(data, self.sid) if describe else None
        if said is None:
            return
        self.announced = self.announced or (kind == T.AWARDS_ANNOUNCED)
        step = {"time": _utc(str(time_), at), "stream": stream, "type": kind, "service": str(event.get("source", "")), "what": said[0], "details": said[1]}
        self.steps.append((at, STORY.index(stream), len(self.steps), step))

    def _ballot(self, kind: str, data: dict[str, Any], at: datetime, text: str, source: str) -> None:
        if data.get("project_id") != self.sid:
            return
        week = self.contest.voting_week_of(at)
        votes = self.weeks[week.number if week else 0]
        if kind == T.BALLOT_CAST:
            votes.cast += 1
        else:
            ballot = str(data.get("ballot_id"))
            if ballot in self.answered:
                return
            self.answered.add(ballot)
            votes.service = source
            if kind == T.VOTE_ACCEPTED:
                votes.accepted += 1
            else:
                votes.rejected[str(data.get("reason", "?"))] += 1
        votes.last = max(votes.last, (at, _utc(text, at)))

    def _week_steps(self) -> list[tuple[datetime, int, int, dict[str, Any]]]:
        found = []
        for number, v in sorted(self.weeks.items()):
            when = f"voting week {number}" if number else "outside the voting weeks"
            rejected = sum(v.rejected.values())
            why = f" ({', '.join(f'{r} {n}' for r, n in sorted(v.rejected.items()))})" if rejected else ""
            line = f"ballots for it, {when}: {v.cast} cast, {v.accepted} accepted, {rejected} rejected{why}"
            details = {"week": number or None, "cast": v.cast, "accepted": v.accepted, "rejected": dict(sorted(v.rejected.items()))}
            step = {"time": v.last[1], "stream": topology.OUT_VOTING, "type": "ballots (summary)", "service": v.service or "voting front end",
                    "what": line, "details": details}  # fmt: skip
            found.append((v.last[0], STORY.index(topology.OUT_VOTING), -1, step))
        return found

    def told(self) -> dict[str, Any]:
        """The story in time order; `UnknownEntry` if nothing was about the entry."""
        steps = [s for s in self.steps if self.announced or s[3]["type"] != T.PANEL_WINNER_SELECTED]
        ordered = sorted([*steps, *self._week_steps()], key=lambda s: s[:3])
        if not ordered:
            raise UnknownEntry(f"unknown submission {self.sid!r}: no event about it on any stream")
        return {"submission_id": self.sid, "steps": [s[3] for s in ordered]}


def read(url: str, submission_id: str, contest: Contest) -> dict[str, Any]:
    """The entry's story from the server at `url`."""

    async def work(conn: RawConnection) -> dict[str, Any]:
        story = Story(submission_id, contest)
        await streams.read_all(conn, STORY, story.keep)
        return story.told()

    return streams.run(url, work)


def lines(story: dict[str, Any]) -> list[str]:
    """The story for a terminal: one line a step, time, the service that decided it, what it said."""
    width = max(len(s["service"]) for s in story["steps"])
    head = f"entry {story['submission_id']}: {len(story['steps'])} steps (ids only; no personal data)"
    return [head, *(f"{s['time']:<25}  {s['service']:<{width}}  {s['what']}" for s in story["steps"])]
