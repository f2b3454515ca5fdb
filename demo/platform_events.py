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


MINUTES = tuple("%02d:" % m for m in range(60))  # a stamp's minute, by minute of the hour
SECONDS = tuple("%02dZ" % s for s in range(60))  # a stamp's last three characters, by second of the minute


class Stamps:
    """RFC 3339 UTC times of epoch seconds, fast: each hour's text is made once (UTC hours are whole hours of epoch seconds)."""

    def __init__(self) -> None:
        self.hours: dict[int, str] = {}

    def minute(self, t: int) -> str:
        """The stamp of `t` up to its seconds: `2021-02-01T10:07:`."""
        hour = t // 3600
        prefix = self.hours.get(hour)
        if prefix is None:
            prefix = self.hours[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:")
        return prefix + MINUTES[t // 60 % 60]

    def __call__(self, t: int) -> str:
        prefix = self.hours.get(t // 3600)
        if prefix is None:
            return self.minute(t) + SECONDS[t % 60]
        return prefix + MINUTES[t // 60 % 60] + SECONDS[t % 60]
