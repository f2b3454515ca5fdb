"""The member registry and the nominee list, in memory, on every replica.

A consumer group hands each entry to one replica only, yet every replica
needs every member and the list to judge a ballot. So each replica reads
the members' and judging's streams itself (XREAD, no group) from
the start, on top of what the database held at start; the group consumers
store the same facts durably. Catching up to the ends of those streams after
a ballot batch was read means every registration published before those
ballots is known: publishers register a member before the member votes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from pydantic import ValidationError
from redis.asyncio import Redis

from services.voting.adapters import wire
from services.voting.domain import Member, Nominee, read_member
from shared import topology
from shared.envelope import Unreadable
from shared.events import NominationsPublished, T
from shared.logs import get_logger

CHUNK = 10_000
log = get_logger()


class Projection:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.members: dict[str, Member] = {}
        self.nominees: dict[str, Nominee] | None = None
        self.list_event_id: str | None = None
        self._next = {topology.IN_STAKEHOLDERS: "0-0", topology.OUT_JUDGING: "0-0"}
        self._lock = asyncio.Lock()

    def seed(self, members: Iterable[tuple[str, str | None, bool]], nominees: list[tuple[str, int, str, str]]) -> None:
        """What the database held at start (a stream may have been trimmed since)."""
        for user_id, entity_id, complete in members:
            self.members[user_id] = Member(entity_id, complete)
        if nominees:
            self.nominees = {project: Nominee(category, entity) for project, category, entity, _ in nominees}
            self.list_event_id = nominees[0][3]

    async def catch_up(self) -> int:
        """Read both streams to their current ends; returns how many entries were read."""
        async with self._lock:
            read = 0
            while True:
                reply = await self.redis.xread(self._next, count=CHUNK)
                full = False
                pairs = reply.items() if isinstance(reply, dict) else reply or []  # RESP3 or RESP2
                for stream, entries in pairs:
                    name = stream.decode() if isinstance(stream, bytes) else stream
                    for entry_id, fields in entries:
                        self._apply(name, fields.get(b"__data__"))
                    last = entries[-1][0]
                    self._next[name] = last.decode() if isinstance(last, bytes) else last
                    read += len(entries)
                    full = full or len(entries) == CHUNK
                if not full:
                    return read

    def _apply(self, stream: str, raw: bytes | None) -> None:
        event = wire.read(raw)
        if isinstance(event, Unreadable):
            return  # the group consumer dead-letters it
        if stream == topology.IN_STAKEHOLDERS and event.type == T.STAKEHOLDER_REGISTERED:
            member = read_member(event.data)
            if member is not None:
                self.members[member[0]] = member[1]
        elif stream == topology.OUT_JUDGING and event.type == T.NOMINATIONS_PUBLISHED:
            self._take_list(event)

    def _take_list(self, event: wire.Event) -> None:
        if self.nominees is not None:
            if event.id != self.list_event_id:
                log.warning("nominees.list_ignored", event_id=event.id, kept=self.list_event_id)
            return
        try:
            published = NominationsPublished.model_validate(event.data)
        except ValidationError as exc:
            log.error("nominees.list_invalid", event_id=event.id, errors=exc.error_count())
            return
        self.nominees = nominee_map(published)
        self.list_event_id = event.id
        log.info("nominees.list_known", event_id=event.id, projects=len(self.nominees))


def nominee_map(published: NominationsPublished) -> dict[str, Nominee]:
    return {
        nominee.submission_id: Nominee(group.category, nominee.entity_id)
        for group in published.categories
        for nominee in group.nominees
    }
