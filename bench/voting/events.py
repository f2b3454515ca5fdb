"""Events the voting service reads, as other systems publish them (benchmark and tests)."""

from __future__ import annotations

import uuid
from typing import Any


def cloudevent(kind: str, data: dict[str, Any], *, time_: str, id_: str | None = None, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_ or uuid.uuid4().hex,
        "source": source,
        "type": kind,
        "time": time_,
        "datacontenttype": "application/json",
        "data": data,
    }

DURING_VOTE = "2021-03-10T10:00:00Z"


def member(user_id: str, *, entity_id: str | None = None, complete: bool = True, time_: str = "2021-02-20T10:00:00Z") -> dict[str, Any]:
    org: dict[str, Any] = {"name": "Open Schools Network", "type": "civil_society", "country": "KE"}
    if entity_id:
        org["entity_id"] = entity_id
    data: dict[str, Any] = {"user_id": user_id, "username": f"user-{user_id}", "email": f"{user_id}@example.org", "organization": org}
    if not complete:
        del data["organization"]["country"]
    return cloudevent("wsis.stakeholder.registered", data, time_=time_, source="stocktaking")


def nominees(per_category: dict[int, list[tuple[str, str]]], *, id_: str = "list-2021") -> dict[str, Any]:
    """`wsis.nominations.published`: {category: [(project_id, entity_id)]}."""
    categories = [
        {"category": c, "nominees": [{"submission_id": p, "entity_id": e, "title": f"Project {p}"} for p, e in projects]}
        for c, projects in per_category.items()
    ]
    event = cloudevent("wsis.nominations.published", {"categories": categories}, time_="2021-02-28T23:00:00Z", id_=id_, source="wsis-prizes/judging")
    return event


def ballot(voter_id: Any, category: Any, project_id: Any, *, time_: str = DURING_VOTE, id_: str | None = None) -> dict[str, Any]:
    return cloudevent("wsis.ballot.cast", {"voter_id": voter_id, "category": category, "project_id": project_id}, time_=time_, id_=id_, source="voting-frontend")


def tick(time_: str) -> dict[str, Any]:
    return cloudevent("wsis.clock.tick", {}, time_=time_, id_=f"tick-{time_}", source="wsis-prizes/ticker")
