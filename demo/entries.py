"""The entries of the simulated contest: who enters what, when, and which rule it breaks.

Each entry is planned with the rule it is meant to break (`flaw`), so the
simulation knows what the screening should say; the services decide for
real. Shares of broken rules follow the shape of a real call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo import writing
from demo.amendments import amend
from demo.flaws import BREAKERS
from demo.organisations import Organisation, Weighted, organisation, person
from shared.contest import Contest

# (rule the entry breaks, share of entries). "schema": the submission service rejects it.
FLAWS: tuple[tuple[str, float], ...] = (
    ("S9.deadline", 0.030), ("S7.short_description_words", 0.050), ("S6.completed_work", 0.050),
    ("S10.english", 0.025), ("S3.one_per_entity_category", 0.025), ("S4.not_submitted_twice", 0.012),
    ("S4.near_copy", 0.010), ("S5.complete", 0.020), ("S11.not_previous_winner", 0.004), ("schema", 0.005),
)  # fmt: skip
REVIEW_FLAWS = frozenset({"S4.near_copy"})
THIN_SHARE = 0.12  # eligible, but short of a nomination minimum (nominable: false)
CATEGORY_WEIGHTS = (5, 6, 5, 9, 5, 4, 10, 7, 10, 9, 4, 5, 6, 3, 4, 4, 2, 4)


@dataclass(slots=True)
class PlannedEntry:
    """An entry as the simulation plans it: what it sends, when, and the rule it is meant to break."""

    number: int
    submission_id: str
    org: Organisation
    category: int
    at: datetime
    data: dict[str, Any]
    flaw: str | None = None
    thin: bool = False
    amendments: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    copied: bool = False  # another entry copies it: its content must not change
    facts: Any = None  # the template slots its answers were written from
    closes: datetime = field(kw_only=True)  # the submission window's close

    @property
    def latest(self) -> dict[str, Any]:
        """The revision the screening ends on: the last amendment sent before the close."""
        timely = [data for at, data in self.amendments if at < self.closes]
        return timely[-1] if timely else self.data

    @property
    def expected(self) -> str:
        """What the screening should say of the final revision: rejected, ineligible, needs_review, eligible."""
        if self.flaw == "schema":
            return "rejected"
        if self.flaw in REVIEW_FLAWS:
            return "needs_review"
        return "ineligible" if self.flaw else "eligible"


@dataclass(frozen=True, slots=True)
class PreviousWinner:
    year: int
    category: int
    title: str
    organisation: str


class EntryPlanner:
    def __init__(self, seed: int, count: int, contest: Contest, winners: tuple[PreviousWinner, ...] = ()) -> None:
        self.rng = random.Random(f"{seed}:entries")
        self.seed, self.count, self.contest = seed, count, contest
        self.winners = list(winners)
        self.opens, self.closes = contest.submission.start, contest.submission.end
        self.orgs = [organisation(self.rng, f"s{seed}-org-{i:05d}") for i in range(max(1, round(count / 1.5)))]
        self.used: dict[str, set[int]] = {}
        self.categories = Weighted(list(range(1, 19)), list(CATEGORY_WEIGHTS))
        self.entries: list[PlannedEntry] = []

    def plan(self) -> list[PlannedEntry]:
        flaws = Weighted([f for f, _ in FLAWS] + [None], [s for _, s in FLAWS] + [1 - sum(s for _, s in FLAWS)])
        for number in range(self.count):
            entry = self._fresh(number)
            self.entries.append(entry)
            flaw = flaws.draw(self.rng)
            if flaw is not None:
                self._break(entry, flaw)
            elif self.rng.random() < THIN_SHARE:
                entry.data.update(writing.thin(self.rng, self._facts(entry)))
                entry.thin = True
        amend(self.rng, self.entries, self.closes, self._facts)
        return self.entries

    def _fresh(self, number: int) -> PlannedEntry:
        rng = self.rng
        org = self.orgs[number] if number < len(self.orgs) else rng.choice(self.orgs)
        taken = self.used.setdefault(org.entity_id, set())
        # Every category gets its share first (enough for a full nominee list), then by popularity.
        category = number % 18 + 1 if number < 18 * min(32, self.count // 18) else self.categories.draw(rng)
        while category in taken and len(taken) < 18:
            category = self.categories.draw(rng)
        taken.add(category)
        span = (self.closes - self.opens).total_seconds() - 3600
        at = self.opens + timedelta(seconds=int(span * rng.random() ** 0.45))  # a rush before the deadline
        entry = PlannedEntry(number, f"ws21-{self.seed}-{number + 1:05d}", org, category, at, {}, closes=self.closes)
        entry.facts = facts = writing.facts_for(rng, org, category, writing.project_name(rng, org.city), org.country)
        entry.data = {
            "submission_id": entry.submission_id, "entity": org.entity(), "coordinator": person(rng, number),
            "category": category, **writing.sound(rng, facts, category),
        }  # fmt: skip
        if rng.random() < 0.6:
            entry.data["website"] = f"https://{facts['name'].lower().replace(' ', '-')}-{number}.example.org"
        return entry

    def _facts(self, entry: PlannedEntry) -> writing.Facts:
        return entry.facts

    def _earlier(self, entry: PlannedEntry) -> PlannedEntry | None:
        """A sound, timely entry submitted before this one, early enough to be followed before the close."""
        pool = [e for e in self.entries[: entry.number] if e.flaw is None and not e.thin and e.at < self.closes - timedelta(days=2)]
        return self.rng.choice(pool) if pool else None

    def _after(self, earlier: PlannedEntry) -> datetime:
        room = (self.closes - timedelta(hours=1) - earlier.at).total_seconds()
        return earlier.at + timedelta(seconds=int(room * self.rng.random() * 0.8) + 60)

    def _break(self, entry: PlannedEntry, flaw: str) -> None:
        if BREAKERS[flaw](self, entry):
            entry.flaw = flaw
