"""The one CloudEvent builder, and the contract's inbound events as other systems publish them.

Tests and benchmarks both build their events here (a benchmark imports
`tests.support.events`; both run from the repository's root), so an
envelope field added to the contract is added once.
"""

from __future__ import annotations

import uuid
from typing import Any

from wsis import client

DURING_VOTE = "2021-03-10T10:00:00Z"


def cloudevent(kind: str, data: dict[str, Any], *, time_: str = "2021-01-10T10:00:00Z", id_: str | None = None, source: str = "tests") -> dict[str, Any]:
    """A CloudEvent as JSON-ready dict (`wsis.client.cloudevent`); a fresh id unless one is given."""
    return client.cloudevent(kind, data, source=source, id=id_ or uuid.uuid4().hex, time=time_)


def member(
    user_id: str, *, entity_id: str | None = None, complete: bool = True, time_: str = "2021-02-20T10:00:00Z", **changes: Any
) -> dict[str, Any]:
    """`wsis.stakeholder.registered`; `complete=False` leaves the country out (V2); `changes`
    replace the organization's fields (`name=`, `type=`, `country=`) or the profile's (`email=`).

    The default organisation is no entrant of `tests.support.factories.submission` (V3 matches by name too)."""
    org: dict[str, Any] = {"name": "Riverside Community Library", "type": "civil_society", "country": "UG"}
    if entity_id:
        org["entity_id"] = entity_id
    data: dict[str, Any] = {"user_id": user_id, "username": f"user-{user_id}", "email": f"{user_id}@example.org", "organization": org}
    for key, value in changes.items():
        (data if key in ("username", "email") else org)[key] = value
    if not complete:
        del data["organization"]["country"]
    return cloudevent("wsis.stakeholder.registered", data, time_=time_, source="stocktaking")


def nominees(per_category: dict[int, list[tuple[str, str]]], *, id_: str = "list-2021") -> dict[str, Any]:
    """`wsis.nominations.published`: {category: [(project_id, entity_id)]}."""
    categories = [
        {"category": c, "nominees": [{"submission_id": p, "entity_id": e, "title": f"Project {p}"} for p, e in projects]}
        for c, projects in per_category.items()
    ]
    return cloudevent("wsis.nominations.published", {"categories": categories}, time_="2021-02-28T23:00:00Z", id_=id_, source="wsis-prizes/judging")


def ballot(voter_id: Any, category: Any, project_id: Any, *, time_: str = DURING_VOTE, id_: str | None = None) -> dict[str, Any]:
    """`wsis.ballot.cast`; any field may be of the wrong type, to test V-rules on it."""
    data = {"voter_id": voter_id, "category": category, "project_id": project_id}
    return cloudevent("wsis.ballot.cast", data, time_=time_, id_=id_, source="voting-frontend")


def tick(time_: str) -> dict[str, Any]:
    """`wsis.clock.tick` as the ticker publishes it: its id is its time, so a repeat is the same tick."""
    return cloudevent("wsis.clock.tick", {}, time_=time_, id_=f"tick-{time_}", source="wsis-prizes/ticker")
