"""The panel's decisions that the rules refuse (and one it takes back), after its regular ones."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from shared.events import T

if TYPE_CHECKING:
    from demo.panel import Decisions, Panel, Verdict

Planned = list[tuple[datetime, str, dict]]


def mistyped_id(seed: int) -> str:
    """The id the panel mistypes: no entry was ever submitted under it."""
    return f"ws21-{seed}-99999"


def nomination_slips(panel: Panel, rng: random.Random, verdicts: Mapping[str, Verdict], result: Decisions,
                     spare: dict[int, list[str]], planned: Planned) -> Planned:
    """A withdrawal (and its replacement), then one refusal of each kind the contract names."""
    window = panel.contest.nomination
    at = window.end - timedelta(hours=40)
    slips: Planned = []

    def add(kind: str, data: dict, refused: bool = True) -> None:
        nonlocal at
        at += timedelta(hours=2)
        slips.append((at, kind, data))
        result.refusals += refused

    chosen = [(c, sid) for c, names in sorted(result.expected.items()) for sid in names]
    if not chosen:
        return slips
    category, victim = rng.choice(chosen)
    member = next(data["panel_member_id"] for _, _, data in planned if data["submission_id"] == victim)
    add(T.PANEL_NOMINATION_WITHDRAWN, {"submission_id": victim, "panel_member_id": member}, refused=False)
    result.unanswered += 1
    result.expected[category].remove(victim)
    if spare[category]:
        replacement = spare[category].pop(0)
        add(T.PANEL_NOMINATED, panel._nominate(rng, replacement, category), refused=False)
        result.expected[category].append(replacement)
    full = [c for c in sorted(spare) if spare[c] and len(result.expected[c]) >= panel.quota]
    if full:
        add(T.PANEL_NOMINATED, panel._nominate(rng, spare[full[0]][0], full[0]))  # category_full
    ineligible = sorted(sid for sid, v in verdicts.items() if v.outcome == "ineligible")
    for sid in rng.sample(ineligible, min(2, len(ineligible))):
        add(T.PANEL_NOMINATED, panel._nominate(rng, sid, verdicts[sid].category))  # not_eligible
    category, sid = rng.choice([(c, s) for c, s in chosen if s != victim])
    add(T.PANEL_NOMINATED, panel._nominate(rng, sid, category % 18 + 1))  # category_mismatch
    add(T.PANEL_NOMINATED, panel._nominate(rng, sid, category))  # already_nominated
    add(T.PANEL_NOMINATED, panel._nominate(rng, mistyped_id(panel.seed), 1))  # unknown_submission, at once (CONTRACT 5.3)
    at = window.end + timedelta(hours=9)
    add(T.PANEL_NOMINATED, panel._nominate(rng, sid, category))  # outside_window
    return slips


def selection_slips(panel: Panel, finalists: Mapping[int, Sequence[str]], result: Decisions) -> Planned:
    """Naming another category's finalist, deciding a category twice, deciding too late."""
    phase = panel.contest.winner_selection
    decided = sorted(c for c in finalists if finalists[c])
    if len(decided) < 2:
        return []
    first, second, last = decided[0], decided[1], decided[-1]
    again = next((f for f in finalists[last] if [f] != result.expected[last]), finalists[last][0])
    slips: Planned = [
        (phase.end - timedelta(days=2), T.PANEL_WINNER_SELECTED, {"category": first, "submission_id": finalists[second][0], "panel_member_id": "panel-01"}),
        (phase.end - timedelta(days=1), T.PANEL_WINNER_SELECTED, {"category": last, "submission_id": again, "panel_member_id": "panel-02"}),
        (phase.end + timedelta(days=1), T.PANEL_WINNER_SELECTED, {"category": second, "submission_id": finalists[second][-1], "panel_member_id": "panel-03"}),
    ]  # fmt: skip
    result.refusals += len(slips)
    return slips
