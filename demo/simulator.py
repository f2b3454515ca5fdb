"""A simulated WSIS Prizes contest: every event the outside world publishes, for a seed and a scale.

Importing this module does nothing but define things: no I/O, no clock, no
randomness outside the seed. The same seed and scale give the same bytes.

API
---

``Simulation(seed, scale="small", contest=None)`` plans a contest
(``scale`` is a name of ``SCALES`` or a ``Scale``; ``contest`` defaults to
``contest/wsis-2021.yaml``). Its phases, each a list of ``platform_events.Event``
(``stream``, ``id``, ``time``, ``body``: the CloudEvent's JSON bytes, ready
for ``XADD <stream> * __data__ <body>``), in publication order:

* ``submissions()`` - entries, amendments (some after the close), late ones;
* ``members()`` - member profiles (publish them before the ballots);
* ``staff_decisions(verdicts)`` - the WSIS team's screening decisions
  (``staff.StaffDecision``: a few ``needs_review`` entries decided, one
  machine verdict overturned, one unknown id), for ``wsis:in:staff``, early
  in the nomination phase; ``verdicts`` map submission ids to objects with
  ``outcome``, ``failed`` and ``review`` (rule ids), as screened;
* ``nominations(verdicts)`` - the panel's nominations, a withdrawal and its
  slips, as ``Decisions`` (``events``, ``expected`` nominees per category,
  ``refusals`` to wait for, ``unanswered`` events); ``verdicts`` maps
  submission ids to ``panel.Verdict(category, outcome, nominable)``, the
  latest ``wsis.submission.screened`` of each entry;
* ``ballots(nominees, record=False)`` - ``Ballots``: ``weeks[i]`` the bodies
  of the ballots of voting week ``i + 1`` (``weeks[-1]``: cast after the
  close), for ``wsis:in:ballots``; ``nominees`` maps categories to
  ``ballot_events.Nominee(submission_id, entity_id)`` as in
  ``wsis.nominations.published``; ``record`` keeps what each ballot says
  (``cast``) for ``expected_tally``; ``ballot_weeks(nominees)`` gives the
  same bodies a week at a time, as each is made;
* ``selections(finalists)`` - one winner per category and three slips, as
  ``Decisions``; ``finalists`` maps categories to the five of
  ``wsis.voting.closed``;
* ``ceremony()``, and ``tick(at)`` for clock ticks; ``ticks`` names the
  instants a replay ticks at.

Choices depend only on the seed and the facts passed in, so a run against
the real services and a replay with the same facts publish the same events.
``expected_*`` work the facts out without services (``oracle``), and
``contest_events(seed, scale)`` yields a whole contest from them: what a
replay or a fault-injection run publishes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from demo import ballots as ballot_plan
from demo import oracle, platform_events
from demo.ballot_events import Ballots, Nominee, ballot_events, ballot_weeks
from demo.entries import EntryPlanner, PlannedEntry, PreviousWinner
from demo.members import Electorate
from demo.panel import Decisions, Panel, Verdict
from demo.staff import Screening, StaffDecision, screening_decisions
from shared import topology
from shared.contest import Contest, load_contest
from shared.events import T


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    entries: int
    members: int
    ballots: int  # about; the rule breakers' share varies a little with the nominee list


SCALES = {
    "small": Scale("small", 360, 1_500, 8_000),
    "medium": Scale("medium", 1_300, 20_000, 130_000),
    "2021": Scale("2021", 1_300, 200_000, 1_300_000),
}


class Simulation:
    def __init__(self, seed: int = 2021, scale: str | Scale = "small", contest: Contest | None = None) -> None:
        self.seed = seed
        self.scale = scale if isinstance(scale, Scale) else SCALES[scale]
        self.contest = contest or load_contest()
        self.panel = Panel(seed, self.contest)

    @cached_property
    def entries(self) -> list[PlannedEntry]:
        return EntryPlanner(self.seed, self.scale.entries, self.contest, previous_winners(self.contest)).plan()

    @cached_property
    def electorate(self) -> Electorate:
        entrants = sorted({e.org.entity_id: e.org for e in self.entries}.values(), key=lambda o: o.entity_id)
        return Electorate(self.seed, self.scale.members, entrants, self.contest)

    @cached_property
    def ballot_plan(self) -> ballot_plan.BallotPlan:
        """The heavy part of the voting month; it needs no published facts, so it can be made early."""
        return ballot_plan.plan(self.seed, self.scale.ballots, self.electorate, self.contest)

    def submissions(self) -> list[platform_events.Event]:
        sent: list[tuple[datetime, int, dict]] = []
        for entry in self.entries:
            sent.append((entry.at, 0, entry.data))
            sent.extend((at, n, data) for n, (at, data) in enumerate(entry.amendments, start=1))
        sent.sort(key=lambda s: (s[0], s[2]["submission_id"], s[1]))
        return [platform_events.event(topology.IN_SUBMISSIONS, T.SUBMISSION_SUBMITTED, f"sub{self.seed}-{n:05d}", platform_events.SUBMISSION_PLATFORM,
                           platform_events.iso(at), data) for n, (at, _, data) in enumerate(sent)]  # fmt: skip

    def members(self) -> list[platform_events.Event]:
        return self.electorate.events

    def staff_decisions(self, verdicts: Mapping[str, Screening]) -> list[StaffDecision]:
        return screening_decisions(self.seed, self.contest, verdicts)

    def nominations(self, verdicts: Mapping[str, Verdict]) -> Decisions:
        return self.panel.nominations(verdicts)

    def ballots(self, nominees: Mapping[int, Sequence[Nominee]], record: bool = False) -> Ballots:
        return ballot_events(self.ballot_plan, self.electorate.members, nominees, self._not_listed(nominees), record)

    def ballot_weeks(self, nominees: Mapping[int, Sequence[Nominee]]) -> Iterator[list[bytes]]:
        """The same ballots as `ballots`, a week at a time, as each is made."""
        return ballot_weeks(self.ballot_plan, self.electorate.members, nominees, self._not_listed(nominees))

    def _not_listed(self, nominees: Mapping[int, Sequence[Nominee]]) -> list[tuple[str, int]]:
        listed = {n.submission_id for names in nominees.values() for n in names}
        return [(e.submission_id, e.latest["category"]) for e in self.entries if e.submission_id not in listed]

    def selections(self, finalists: Mapping[int, Sequence[str]]) -> Decisions:
        return self.panel.selections(finalists)

    def ceremony(self) -> platform_events.Event:
        return self.panel.ceremony(self.contest.winner_selection.end + timedelta(days=36, hours=12))

    def tick(self, at: datetime) -> platform_events.Event:
        stamp = platform_events.iso(at)
        return platform_events.event(topology.IN_CLOCK, T.CLOCK_TICK, f"tick{self.seed}-{stamp}", platform_events.CLOCK, stamp, {})

    @property
    def ticks(self) -> dict[str, datetime]:
        c = self.contest
        named = {"submission closed": c.submission.end, "nomination closed": c.nomination.end, "nominees published": c.nominees_published}
        named.update({f"week {w.number}": w.end for w in c.voting_weeks})
        named["winner selection closed"] = c.winner_selection.end
        return named

    # --- the facts, without services ---------------------------------------

    def expected_verdicts(self) -> dict[str, Verdict]:
        return oracle.verdicts(self.entries)

    def expected_nominees(self, decisions: Decisions) -> dict[int, list[Nominee]]:
        entity = {e.submission_id: e.org.entity_id for e in self.entries}
        return {c: [Nominee(s, entity[s]) for s in names] for c, names in decisions.expected.items()}

    def expected_tally(self, ballots: Ballots, nominees: Mapping[int, Sequence[Nominee]]) -> oracle.Tally:
        entrants = {e.submission_id: e.org for e in self.entries}
        return oracle.votes(ballots, self.electorate.members, nominees, self.contest, entrants)


def previous_winners(contest: Contest) -> tuple[PreviousWinner, ...]:
    """The earlier winners the contest's S11 rule names (its CSV file), if any."""
    for rule in contest.rules:
        if rule.kind == "previous_winner" and contest.source is not None:
            path = Path(contest.source).parent / rule.params.winners_file
            if path.is_file():
                rows = csv.DictReader(path.read_text(encoding="utf-8").splitlines())
                return tuple(PreviousWinner(int(r["year"]), int(r["category"]), r["title"], r["organisation"]) for r in rows)
    return ()


def contest_events(seed: int = 2021, scale: str | Scale = "small", contest: Contest | None = None) -> Iterator[platform_events.Event]:
    """A whole contest in publication order, phases fed with the expected facts (see `oracle`)."""
    sim = Simulation(seed, scale, contest)
    c, ticks = sim.contest, sim.ticks
    yield from sim.submissions()
    yield sim.tick(ticks["submission closed"])
    yield from sim.members()
    decisions = sim.nominations(sim.expected_verdicts())
    yield from decisions.events
    yield sim.tick(ticks["nomination closed"])
    yield sim.tick(ticks["nominees published"])
    nominees = sim.expected_nominees(decisions)
    ballots = sim.ballots(nominees, record=True)
    ids = ballots.ids()
    for number, bodies in enumerate(ballots.weeks, start=1):
        yield from (platform_events.Event(topology.IN_BALLOTS, next(ids), "", body) for body in bodies)
        if number < len(c.voting_weeks):
            yield sim.tick(c.voting_weeks[number - 1].end)
    yield sim.tick(c.voting.end)
    finalists = sim.expected_tally(ballots, nominees).finalists(nominees, c.quotas.finalists_per_category)
    yield from sim.selections(finalists).events
    yield sim.tick(ticks["winner selection closed"])
    yield sim.ceremony()
