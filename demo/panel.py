"""The expert group: nominations in February, winners in April, and its slips.

Its choices are a function of the seed and of the facts the services
published (the verdicts, the finalists), never of the order they were read
in. Each phase also carries a few decisions the rules refuse, as real panels
make them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from demo import platform_events
from demo.slips import mistyped_id, nomination_slips, selection_slips
from shared import topology
from shared.contest import Contest
from shared.events import T

MEMBERS = tuple(f"panel-{n:02d}" for n in range(1, 10))
WINNER_WEIGHTS = (0.34, 0.26, 0.19, 0.13, 0.08)  # the panel leans to the public's favourites


@dataclass(frozen=True, slots=True)
class Verdict:
    category: int
    outcome: str
    nominable: bool


@dataclass(slots=True)
class Decisions:
    """Panel events in publication order, what they should lead to, and how many public refusals they draw."""

    events: list[platform_events.Event]
    expected: dict[int, list[str]] = field(default_factory=dict)  # nominees per category, or the winner as a one-item list
    refusals: int = 0
    unanswered: int = 0  # withdrawals: the contract answers them with nothing
    mistyped: str = ""  # the id of the nomination naming an entry never submitted (refused at once)


def merit(seed: int, submission_id: str, nominable: bool) -> float:
    return random.Random(f"{seed}:merit:{submission_id}").random() + (1.0 if nominable else 0.0)


class Panel:
    def __init__(self, seed: int, contest: Contest) -> None:
        self.seed, self.contest = seed, contest
        self.quota = contest.quotas.nominees_per_category

    def _at(self, rng: random.Random, start: datetime, end: datetime) -> datetime:
        return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))

    def nominations(self, verdicts: Mapping[str, Verdict]) -> Decisions:
        rng = random.Random(f"{self.seed}:nominations")
        window = self.contest.nomination
        early, late = window.start + timedelta(days=1), window.end - timedelta(days=2)
        planned: list[tuple[datetime, str, dict]] = []
        result = Decisions([])
        spare: dict[int, list[str]] = {}
        for category in sorted(self.contest.categories):
            ranked = sorted((sid for sid, v in verdicts.items() if v.category == category and v.outcome == "eligible"),
                            key=lambda sid: (-merit(self.seed, sid, verdicts[sid].nominable), sid))  # fmt: skip
            chosen, spare[category] = ranked[: self.quota], ranked[self.quota :]
            result.expected[category] = list(chosen)
            for sid in chosen:
                planned.append((self._at(rng, early, late), T.PANEL_NOMINATED, self._nominate(rng, sid, category)))
        planned.sort(key=lambda p: (p[0], p[2]["submission_id"]))
        planned += nomination_slips(self, rng, verdicts, result, spare, planned)
        result.events = [self._event(kind, n, at, data) for n, (at, kind, data) in enumerate(planned)]
        typo = mistyped_id(self.seed)
        result.mistyped = next((e.id for e, (_, _, data) in zip(result.events, planned, strict=True) if data["submission_id"] == typo), "")
        return result

    def _nominate(self, rng: random.Random, sid: str, category: int) -> dict:
        return {"submission_id": sid, "category": category, "panel_member_id": rng.choice(MEMBERS),
                "rationale": "strong, measurable impact and a model others can reuse"}  # fmt: skip

    def _event(self, kind: str, number: int, at: datetime, data: dict) -> platform_events.Event:
        return platform_events.event(topology.IN_PANEL, kind, f"panel{self.seed}-{number:05d}", platform_events.PANEL_TOOL, platform_events.iso(at), data)

    def selections(self, finalists: Mapping[int, Sequence[str]]) -> Decisions:
        """One winner per category among its finalists; then three selections the rules refuse."""
        phase = self.contest.winner_selection
        result = Decisions([])
        planned: list[tuple[datetime, str, dict]] = []
        for category in sorted(finalists):
            names = list(finalists[category])
            if not names:
                continue
            rng = random.Random(f"{self.seed}:winner:{category}:{'|'.join(names)}")
            winner = rng.choices(names, weights=WINNER_WEIGHTS[: len(names)])[0]
            result.expected[category] = [winner]
            at = self._at(rng, phase.start + timedelta(days=1), phase.end - timedelta(days=3))
            planned.append((at, T.PANEL_WINNER_SELECTED, {"category": category, "submission_id": winner, "panel_member_id": rng.choice(MEMBERS)}))
        planned.sort(key=lambda p: (p[0], p[2]["category"]))
        planned += selection_slips(self, finalists, result)
        result.events = [self._event(kind, 50_000 + n, at, data) for n, (at, kind, data) in enumerate(planned)]
        return result

    def ceremony(self, at: datetime) -> platform_events.Event:
        return platform_events.event(topology.IN_PANEL, T.PANEL_WINNERS_ANNOUNCED, f"ceremony{self.seed}", platform_events.STAFF, platform_events.iso(at), {})
