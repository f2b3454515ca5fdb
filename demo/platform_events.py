"""The simulated platforms' events, as the CloudEvents bytes they publish.

Ids are derived from the seed and a counter (never uuid4), times are the
business times of the simulation (never the wall clock), so a seed always
gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from wsis.client import cloudevent

SUBMISSION_PLATFORM = "demo/submission-platform"
MEMBER_REGISTRY = "demo/member-registry"
VOTING_FRONTEND = "demo/voting-frontend"
PANEL_TOOL = "demo/expert-group"
STAFF = "demo/staff"
CLOCK = "demo/clock"


class Event(NamedTuple):
    """One entry to publish: its stream, its CloudEvent id, business time and bytes."""

    stream: str
    id: str
    time: str
    body: bytes


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def event(stream: str, kind: str, event_id: str, source: str, time: str, data: dict[str, Any]) -> Event:
    body = orjson.dumps(cloudevent(kind, data, source=source, id=event_id, time=time))
    return Event(stream, event_id, time, body)


# A ballot at hot-path speed (a million of them): ids and times are plain
# ASCII, so `BALLOT % (id, time, voter, category, project)` needs no escaping.
BALLOT = (
    '{"specversion":"1.0","id":"%s","source":"' + VOTING_FRONTEND + '","type":"wsis.ballot.cast",'
    '"time":"%s","datacontenttype":"application/json","data":{"voter_id":"%s","category":%s,"project_id":"%s"}}'
)


class Stamps:
    """RFC 3339 UTC times of epoch seconds, fast: each minute's text is made once."""

    def __init__(self) -> None:
        self.minutes: dict[int, str] = {}

    def __call__(self, t: int) -> str:
        minute = t // 60
        prefix = self.minutes.get(minute)
        if prefix is None:
            prefix = self.minutes[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        return "%s%02dZ" % (prefix, t % 60)
