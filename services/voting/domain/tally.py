"""Weekly progress (V7) and the close: finalists and the tie rule (CONTRACT 5.2). Pure.

`counts` is {category: {project: (votes, time of its last accepted vote)}},
times in epoch microseconds; a project's last vote is when it reached its
final count. Every nominee is listed, with 0 votes if it has none.
`ballots_root` (domain/merkle.py) commits to the votes `counts` counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.voting.domain.ballot import Nominee

Counts = Mapping[int, Mapping[str, tuple[int, int]]]


def standing(votes_of: Mapping[str, tuple[int, int]], projects: Iterable[str]) -> list[tuple[str, int]]:
    """Most votes first; equal votes: the one that reached its count earlier, then by id."""

    def order(project: str) -> tuple[int, int, str]:
        votes, reached = votes_of.get(project, (0, 0))
        return (-votes, reached if votes else 0, project)

    return [(project, votes_of.get(project, (0, 0))[0]) for project in sorted(set(projects) | set(votes_of), key=order)]


def projects_by_category(nominees: Mapping[str, Nominee] | None) -> dict[int, list[str]]:
    by_category: dict[int, list[str]] = {}
    for project, nominee in (nominees or {}).items():
        by_category.setdefault(nominee.category, []).append(project)
    return by_category


def progress(
    week: int, as_of: str, ballots_root: str, categories: Iterable[int], counts: Counts, nominees: Mapping[str, Nominee] | None
) -> dict[str, Any]:
    """`wsis.voting.progress`: votes and rank of every project; equal votes share a rank."""
    listed = projects_by_category(nominees)
    out = []
    for category in categories:
        rows = standing(counts.get(category, {}), listed.get(category, []))
        projects = [
            {"project_id": project, "votes": votes, "rank": 1 + sum(1 for _, other in rows if other > votes)}
            for project, votes in rows
        ]
        out.append({"category": category, "projects": projects})
    return {"week": week, "as_of": as_of, "ballots_root": ballots_root, "categories": out}


def closed(
    as_of: str, ballots_root: str, categories: Iterable[int], counts: Counts, nominees: Mapping[str, Nominee] | None, finalists: int
) -> dict[str, Any]:
    """`wsis.voting.closed`: the top `finalists` of each category and who tied across the last place."""
    listed = projects_by_category(nominees)
    out = []
    for category in categories:
        rows = standing(counts.get(category, {}), listed.get(category, []))
        ties: list[str] = []
        if len(rows) > finalists and rows[finalists - 1][1] == rows[finalists][1]:
            cut = rows[finalists - 1][1]
            ties = [project for project, votes in rows if votes == cut]
        out.append({
            "category": category,
            "finalists": [project for project, _ in rows[:finalists]],
            "tally": [{"project_id": project, "votes": votes} for project, votes in rows],
            "ties": ties,
        })
    return {"as_of": as_of, "ballots_root": ballots_root, "categories": out}
