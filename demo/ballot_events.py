"""The planned ballots as CloudEvents, once the nominee list is known.

A voter's taste becomes a project by the nominees' popularity (a heavy
tail: a few projects draw most votes, as campaigns do). Popularity is a
function of the seed and the project, so the same list gives the same votes.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from demo import campaign, platform_events
from demo.ballots import CAMPAIGN, INVALID, LATE, MISMATCH, NOT_NOMINATED, OWN, SECOND, SURGE, UNKNOWN, VOTE, BallotPlan
from demo.members import Member


@dataclass(frozen=True, slots=True)
class Nominee:
    submission_id: str
    entity_id: str


@dataclass(slots=True)
class Ballots:
    """Bodies to XADD to `wsis:in:ballots`, per voting week (the last list: after the close), in order.

    Ballot ids are `b<seed>-<n>`, n = 1..count in publication order. `cast`
    (when asked for) says what each ballot is: (voter, category, project,
    epoch seconds, kind).
    """

    seed: int
    weeks: list[list[bytes]]
    cast: list[tuple[str, int, str, int, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(week) for week in self.weeks)

    def ids(self) -> Iterator[str]:
        return (f"b{self.seed}-{n:07d}" for n in range(1, self.count + 1))


def popularity(seed: int, submission_id: str) -> float:
    return random.Random(f"{seed}:popularity:{submission_id}").lognormvariate(0.0, 1.1)


def ballot_events(plan: BallotPlan, members: Sequence[Member], nominees: Mapping[int, Sequence[Nominee]],
                  others: Sequence[tuple[str, int]], record: bool = False) -> Ballots:
    """All the weeks at once (see `ballot_weeks`)."""
    result = Ballots(plan.seed, [])
    result.weeks = list(ballot_weeks(plan, members, nominees, others, result.cast if record else None))
    return result


def ballot_weeks(plan: BallotPlan, members: Sequence[Member], nominees: Mapping[int, Sequence[Nominee]],
                 others: Sequence[tuple[str, int]], cast: list | None = None) -> Iterator[list[bytes]]:
    """Each voting week's ballot bodies as soon as it is made (then those after the close), so publishing can begin.

    `others`: (submission id, category) of entries that are not nominees (campaign links that break V-rules);
    `cast`, if given, receives what each ballot says.
    """
    seed = plan.seed
    tables = {c: ([n.submission_id for n in ns], list(accumulate(popularity(seed, n.submission_id) for n in ns)), len(ns) - 1)
              for c, ns in nominees.items() if ns}  # fmt: skip
    plain = frozenset({VOTE, SECOND, LATE})  # a vote by taste, in the voter's own category, as most are
    user_ids = [m.user_id for m in members]
    own = {n.entity_id: (c, n.submission_id) for c, ns in sorted(nominees.items()) for n in ns}
    planted = campaign.targets(seed, nominees, popularity)
    projects_of = {CAMPAIGN: planted.campaign, SURGE: planted.surge}
    stamp, ends = platform_events.Stamps(), plan.week_ends
    # The ballot's text with the seed in its id and the time in two parts: the minute's, then the second's.
    template = platform_events.BALLOT % ("b%d-%%07d" % seed, "%s%s", "%s", "%s", "%s")
    seconds, minute_start, minute_end, prefix = platform_events.SECONDS, 0, 0, ""
    week, number = 0, 0
    week_end = ends[0] if ends else None
    bodies: list[bytes] = []
    add = bodies.append
    for t, voter, category, taste, kind in plan.rows:
        voter_id = user_ids[voter]
        if kind in plain:
            table = tables.get(category)
            if table is None:
                continue
            projects, cum, last = table
            project = projects[min(bisect_right(cum, taste * cum[-1]), last)]
        elif kind == OWN:
            entity_id = members[voter].entity_id
            found = own.get(entity_id) if entity_id is not None else None
            if found is None:
                continue
            category, project = found
        elif kind in projects_of:
            found = projects_of[kind]
            if found is None:
                continue
            category, project = found
        elif kind == NOT_NOMINATED and others:
            project, category = others[int(taste * len(others))]
        else:
            table = tables.get(category % 18 + 1 if kind == MISMATCH else category)
            if table is None:
                continue
            projects, cum, last = table
            project = projects[min(bisect_right(cum, taste * cum[-1]), last)]
            if kind == UNKNOWN:
                voter_id = f"x{seed}-{voter:06d}"
        number += 1
        if week_end is not None and t >= week_end:  # rows are in time order
            while week < len(ends) and t >= ends[week]:
                yield bodies
                week, bodies = week + 1, []
            add = bodies.append
            week_end = ends[week] if week < len(ends) else None
        if not minute_start <= t < minute_end:
            prefix = stamp.minute(t)
            minute_start = t - t % 60
            minute_end = minute_start + 60
        shown: int | str = category
        if kind == INVALID:
            shown, project = (('"%d"' % category, project), ("0", project), (category, ""))[voter % 3]
        add((template % (number, prefix, seconds[t - minute_start], voter_id, shown, project)).encode())
        if cast is not None:
            cast.append((voter_id, category, project, t, kind))
    yield bodies
    for _ in range(week, len(ends)):  # weeks nobody voted in, if any
        yield []
