"""A month of public voting: who votes when, in which categories, for what.

Planned in two steps so the heavy part needs no published facts: `plan`
draws every ballot's time, voter, category, taste (a number that becomes a
project once the nominee list is known) and kind (a valid vote or a broken
rule); `BallotPlan.events` turns them into CloudEvents against the list.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate
from math import comb
from operator import itemgetter

from demo import campaign
from demo.members import Electorate
from shared.contest import Contest

# Kinds of ballot: a valid vote, or the rule it is meant to break.
VOTE, SECOND, OWN, UNKNOWN, NOT_NOMINATED, MISMATCH, INVALID, LATE, CAMPAIGN, SURGE = range(10)
KIND_NAMES = ("vote", "second vote", "own project", "unknown voter", "not nominated", "category mismatch", "invalid", "after the close",
              "campaign", "surge")  # fmt: skip
SECOND_SHARE = 0.035  # of votes: the voter tries again in the same category (V5)
OWN_SHARE = 0.7  # of members of an entrant: they vote for their own project (V3), if it is nominated
EXTRA = ((LATE, 0.004), (UNKNOWN, 0.0015), (NOT_NOMINATED, 0.0025), (MISMATCH, 0.0015), (INVALID, 0.0002))
STEPS = (1, 5, 7, 11, 13, 17)
HOURS = (0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.3, 1.2, 1.2, 1.3, 1.3, 1.2, 1.1, 1.1, 1.0, 0.9, 0.7, 0.5, 0.3)


@dataclass(slots=True)
class BallotPlan:
    """Ballots as (epoch seconds, voter index, category, taste in [0, 1), kind), in time order."""

    seed: int
    rows: list[tuple[int, int, int, float, int]]
    week_ends: list[int]  # epoch seconds; a ballot at or after the last is after the close


class Calendar:
    """Voting hours weighted by the day (a rush at the start and at the end) and the hour (Geneva time)."""

    def __init__(self, contest: Contest) -> None:
        starts, weights = [], []
        day, last = contest.local(contest.voting.start).replace(tzinfo=None), contest.local(contest.voting.end).replace(tzinfo=None)
        number = 0
        while day < last:
            for hour in range(24):
                local = day + timedelta(hours=hour)
                if local >= last:
                    break
                starts.append(int(contest.utc(local).timestamp()))
                weights.append(HOURS[hour] * (1.8 if number < 2 else 1.0 + max(0, number - 23) * 0.2))
            day += timedelta(days=1)
            number += 1
        self.starts, self.cum = starts, list(accumulate(weights))
        self.close = int(contest.voting.end.timestamp())

    def draw(self, rng: random.Random, after: int = 0) -> int:
        starts, cum, total, rand = self.starts, self.cum, self.cum[-1], rng.random
        for _ in range(4):
            t = starts[bisect_right(cum, rand() * total)] + int(rand() * 3600)
            if after <= t < self.close:
                return t
        return after + int(rand() * (self.close - after))


def plan(seed: int, target: int, electorate: Electorate, contest: Contest) -> BallotPlan:
    rng = random.Random(f"{seed}:ballots")
    calendar = Calendar(contest)
    members = electorate.members
    extra = sum(share for _, share in EXTRA)
    own = sum(m.entrant for m in members) * OWN_SHARE
    per_member = (target * (1 - extra) - own) / (1 + SECOND_SHARE) / max(1, electorate.regular)
    p = min(1.0, max(0.0, (per_member - 1) / 17))
    cdf = list(accumulate(_binomial(17, p)))
    rows: list[tuple[int, int, int, float, int]] = []
    add, rand, draw, close = rows.append, rng.random, calendar.draw, calendar.close
    result = BallotPlan(seed, rows, [int(w.end.timestamp()) for w in contest.voting_weeks])
    for index, member in enumerate(members[: electorate.regular]):  # the planted ones vote once (demo.campaign)
        start = member.registered
        # k distinct categories: a random start and a step coprime to 18
        first, step = int(rand() * 18), STEPS[int(rand() * len(STEPS))]
        for i in range(1 + min(17, bisect_right(cdf, rand()))):
            category = (first + i * step) % 18 + 1
            t = draw(rng, start)
            add((t, index, category, rand(), VOTE))
            if rand() < SECOND_SHARE and t + 3600 < close:
                add((t + 3600 + int(rand() * min(6 * 86_400, close - t - 3600)), index, category, rand(), SECOND))
        if member.entrant and rand() < OWN_SHARE:
            add((draw(rng, start), index, 0, rand(), OWN))  # the category is the own project's, once known
    for kind, share in EXTRA:
        for _ in range(round(target * share)):
            voter = int(rand() * len(members))
            t = close + int(rand() * 36 * 3600) if kind == LATE else draw(rng, members[voter].registered)
            add((t, voter, 1 + int(rand() * 18), rand(), kind))
    rows += campaign.rows(electorate.regular, len(members), contest, CAMPAIGN, SURGE)
    rows.sort(key=itemgetter(0))  # stable: equal times keep the order they were drawn in
    return result


def _binomial(n: int, p: float) -> list[float]:
    return [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def week_of(week_ends: list[int], t: int) -> int:
    """0-based voting week of a time; len(week_ends) for after the close."""
    return bisect_right(week_ends, t)
