"""The results as plain data: what the console, the HTML page and the exports show.

The embargo lives here: before `wsis.awards.announced` a category has five
`champions` and no `winner` key at all; after it, the awards say which is which.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from report.state import VOTE_REASONS, ContestState
from shared.contest import Contest

OUTCOMES = ("eligible", "needs_review", "ineligible")


def phase(state: ContestState) -> str:
    if state.awards is not None:
        return "winners announced"
    if state.closed is not None:
        return "voting closed: the expert group decides"
    if state.nominees is not None:
        return "public voting"
    if state.nominations or state.nomination_refusals:
        return "nomination by the expert group"
    return "submission" if state.verdicts else "not started"


def results(state: ContestState, contest: Contest) -> dict[str, Any]:
    announced = state.awards is not None
    verdicts = state.verdicts.values()
    outcomes = Counter(v.outcome for v in verdicts)
    return {
        "contest": contest.name,
        "phase": phase(state),
        "announced": announced,
        "entries": {
            "screened": len(state.verdicts),
            "screened_events": state.screened_events,
            "by_outcome": {o: outcomes.get(o, 0) for o in OUTCOMES},
            "nominable": sum(v.nominable for v in verdicts),
            "failed_rules": _by_rule(Counter(r for v in verdicts for r in v.failed)),
            "review_rules": _by_rule(Counter(r for v in verdicts for r in v.review)),
        },
        "nominations": {
            "recorded": len(state.nominations),
            "refused": dict(sorted(state.nomination_refusals.items())),
            "published": state.nominees is not None,
            "nominees": sum(len(n) for n in (state.nominees or {}).values()),
        },
        "votes": {
            "answered": len(state.answers),
            "accepted": state.accepted,
            "rejected": {r: state.rejected[r] for r in VOTE_REASONS if state.rejected[r]},
            "repeated_answers": state.repeated_answers,
            "conflicting_answers": state.conflicting_answers,
            "closed": state.closed is not None,
            "closed_as_of": state.closed_as_of,
        },
        "weeks": [{"week": w.number, "start": contest.local(w.start).strftime("%d %b"), "end": contest.local(w.end).strftime("%d %b %H:%M")}
                  for w in contest.voting_weeks],  # fmt: skip
        "categories": [_category(state, contest, c, announced) for c in sorted(contest.categories)],
        "winner_refusals": dict(sorted(state.winner_refusals.items())),
        "emails": {"sent": dict(sorted(state.sent.items())), "failed": dict(sorted(state.failed.items()))},
        "dead_letters": dict(sorted(state.dead_letters.items())),
    }


def _by_rule(counts: Counter[str]) -> dict[str, int]:
    """Submission rules (S2, S3 ... S11) first, then the nomination pre-checks, each by number."""

    def key(rule: str) -> tuple[int, int, str]:
        digits = re.match(r"[A-Z]+(\d+)", rule)
        return (0 if rule.startswith("S") else 1, int(digits.group(1)) if digits else 0, rule)

    return {rule: counts[rule] for rule in sorted(counts, key=key)}


def _category(state: ContestState, contest: Contest, category: int, announced: bool) -> dict[str, Any]:
    spec = contest.categories[category]
    nominees = (state.nominees or {}).get(category, [])
    titles = {n["submission_id"]: n.get("title", "") for n in nominees}
    item: dict[str, Any] = {
        "category": category, "action_line": spec.action_line, "title": spec.title, "nominees": len(nominees),
        "votes_per_week": votes_per_week(state, category, len(contest.voting_weeks)),
    }  # fmt: skip
    closed = (state.closed or {}).get(category)
    if closed is None:
        return item
    tally = {t["project_id"]: t["votes"] for t in closed.get("tally", [])}
    item["votes"] = sum(tally.values())
    ties = set(closed.get("ties", []))
    item["finalists"] = [{"submission_id": f, "title": titles.get(f, ""), "votes": tally.get(f, 0), "tied": f in ties}
                         for f in closed.get("finalists", [])]  # fmt: skip
    awards = (state.awards or {}).get(category) if announced else None
    if awards is None:
        item["champions"] = list(closed.get("finalists", []))  # CONTRACT 5.4: no winner before the ceremony
    else:
        item["winner"] = awards.get("winner")
        item["champions"] = list(awards.get("champions", []))
    return item


def votes_per_week(state: ContestState, category: int, weeks: int) -> list[int | None]:
    """Votes accepted in each voting week, from the weekly reports' running totals (None: not reported yet)."""
    result: list[int | None] = []
    before = 0
    for week in range(1, weeks + 1):
        report = state.progress.get(week)
        if report is None:
            result.append(None)
            continue
        total = sum(report.get(category, {}).values())
        result.append(total - before)
        before = total
    return result


def totals(view: dict[str, Any]) -> dict[str, int]:
    """Winners and champions named (after the ceremony), and categories with five finalists."""
    categories = view["categories"]
    return {
        "winners": sum(1 for c in categories if c.get("winner")),
        "champions": sum(len(c.get("champions", [])) for c in categories),
        "full": sum(1 for c in categories if len(c.get("finalists", [])) == 5),
    }
