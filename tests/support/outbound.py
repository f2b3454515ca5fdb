"""The other services' outbound events, as they publish them: what the notify service reads.

The notify tests (integration, and the end-to-end contest with its own
process) play the submission, eligibility, voting and judging services with
these; each fills in what the contract requires and little else.
"""

from __future__ import annotations

from typing import Any

from tests.support.events import cloudevent
from tests.support.factories import submission

RECEIVED = "wsis.submission.received"
SCREENED = "wsis.submission.screened"
JUDGING = "wsis-prizes/judging"


def received(sid: str, *, email: str | None = None, name: str = "Amina Otieno", title: str | None = None, category: int = 4, revision: int = 1) -> dict[str, Any]:
    data = submission(sid, category=category, title=title or f"Project {sid}", coordinator={"name": name, "email": email or f"{sid}@example.org"})
    data.update(received_at="2021-01-10T10:00:00Z", revision=revision)
    return cloudevent(RECEIVED, data, source="wsis-prizes/submission")


def screened(sid: str, outcome: str = "eligible", *, category: int = 4, rules: list[dict[str, str]] | None = None) -> dict[str, Any]:
    rules = rules or [{"rule": "S2.category", "result": "pass", "reason": ""}]
    data = {"submission_id": sid, "entity_id": f"org-{sid}", "category": category, "outcome": outcome, "rules": rules, "nominable": outcome == "eligible"}
    return cloudevent(SCREENED, data, source="wsis-prizes/eligibility", time_="2021-01-10T10:00:01Z")


def published(nominees: dict[int, list[str]]) -> dict[str, Any]:
    categories = [{"category": c, "nominees": [{"submission_id": s, "entity_id": f"org-{s}", "title": f"Project {s}"} for s in ids]} for c, ids in nominees.items()]
    return cloudevent("wsis.nominations.published", {"categories": categories}, source=JUDGING, time_="2021-02-28T23:00:00Z")


def progress(week: int, standings: dict[int, list[tuple[str, int]]], as_of: str = "2021-03-07T23:00:00Z") -> dict[str, Any]:
    categories = []
    for category, projects in standings.items():
        ranked = sorted(projects, key=lambda p: -p[1])
        categories.append({"category": category, "projects": [{"project_id": p, "votes": v, "rank": ranked.index((p, v)) + 1} for p, v in projects]})
    return cloudevent("wsis.voting.progress", {"week": week, "as_of": as_of, "ballots_root": "0000000000000000000000000000000000000000000000000000000000000000", "categories": categories}, source="wsis-prizes/voting", time_=as_of)


def closed(finalists: dict[int, list[str]]) -> dict[str, Any]:
    categories = [{"category": c, "finalists": ids, "tally": [{"project_id": p, "votes": 10 - i} for i, p in enumerate(ids)], "ties": []} for c, ids in finalists.items()]
    return cloudevent("wsis.voting.closed", {"as_of": "2021-03-31T21:00:00Z", "ballots_root": "0000000000000000000000000000000000000000000000000000000000000000", "categories": categories}, source="wsis-prizes/voting", time_="2021-03-31T21:00:00Z")


def winner(category: int, sid: str) -> dict[str, Any]:
    return cloudevent("wsis.winner.recorded", {"category": category, "submission_id": sid}, source=JUDGING, time_="2021-04-05T09:00:00Z")


def announced(results: dict[int, tuple[str, list[str]]]) -> dict[str, Any]:
    categories = [{"category": c, "winner": w, "champions": champs} for c, (w, champs) in results.items()]
    return cloudevent("wsis.awards.announced", {"categories": categories}, source=JUDGING, time_="2021-05-20T16:00:00Z")


def vote(kind: str = "wsis.vote.accepted") -> dict[str, Any]:
    data = {"ballot_id": "b", "voter_id": "v", "category": 4, "project_id": "p"}
    return cloudevent(kind, data if kind.endswith("accepted") else {**data, "reason": "already_voted"}, source="wsis-prizes/voting", time_="2021-03-02T10:00:00Z")
