"""The member registry, the entries' organisations and the nominee list, in memory, on every replica.

A consumer group hands each entry to one replica only, yet every replica
needs every member, every entry's organisations (V3) and the list to judge a
ballot. So each replica reads the members', intake's and judging's streams
itself (XREAD, no group) from the start, on top of what the database held at
start; the group consumers store the same facts durably. Catching up to the ends of those streams after
a ballot batch was read means every registration published before those
ballots is known: publishers register a member before the member votes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import cast

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

from services.voting import store
from services.voting.adapters import wire
from services.voting.domain import (
    Member,
    Nominee,
    Organisation,
    Project,
    read_member,
    read_project,
)
from shared import topology
from shared.envelope import Unreadable
from shared.events import NominationsPublished, T
from shared.logs import get_logger

CHUNK = 10_000
_Entries = list[tuple[bytes, dict[bytes, bytes]]]  # (entry id, fields) of one stream
log = get_logger()


class Projection:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.members: dict[str, Member] = {}
        self.projects: dict[str, Project] = {}
        self.nominees: dict[str, Nominee] | None = None
        self.list_event_id: str | None = None
        # Intake's stream first: an entry is known by the time its nomination is.
        self._next: dict[KeyT, StreamIdT] = {topology.OUT_SUBMISSION: "0-0", topology.IN_STAKEHOLDERS: "0-0", topology.OUT_JUDGING: "0-0"}
        self._lock = asyncio.Lock()

    def seed(
        self,
        members: Iterable[tuple[str, str | None, bool, str | None]],
        nominees: list[tuple[str, int, str, str]],
        projects: Iterable[store.ProjectRow] = (),
    ) -> None:
        """What the database held at start (a stream may have been trimmed since)."""
        for user_id, entity_id, complete, org in members:
            self.members[user_id] = Member(entity_id, complete, sys.intern(org) if org is not None else None)
        for row in projects:
            self.keep_project(row.submission_id, project_of(row))
        if nominees:
            self.nominees = {project: Nominee(category, entity) for project, category, entity, _ in nominees}
            self.list_event_id = nominees[0][3]

    async def catch_up(self) -> int:
        """Read both streams to their current ends; returns how many entries were read."""
        async with self._lock:
            read = 0
            while True:
                # Entries as this client returns them (bytes, no decoding): a dict by stream (RESP3) or pairs (RESP2).
                reply = cast(
                    "dict[bytes | str, _Entries] | list[tuple[bytes | str, _Entries]] | None",
                    await self.redis.xread(self._next, count=CHUNK),
                )
                full = False
                pairs = reply.items() if isinstance(reply, dict) else reply or []  # RESP3 or RESP2
                for stream, entries in pairs:
                    name = stream.decode() if isinstance(stream, bytes) else stream
                    for _entry_id, fields in entries:
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
        elif stream == topology.OUT_SUBMISSION and event.type == T.SUBMISSION_RECEIVED:
            project = read_project(event.data)
            if project is not None:
                self.keep_project(*project)
        elif stream == topology.OUT_JUDGING and event.type == T.NOMINATIONS_PUBLISHED:
            self._take_list(event)

    def keep_project(self, submission_id: str, project: Project) -> None:
        """An entry's organisations: its latest revision's."""
        known = self.projects.get(submission_id)
        if known is None or project.revision > known.revision:
            self.projects[submission_id] = project

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


def project_of(row: store.ProjectRow) -> Project:
    """A stored entry's organisations."""
    organisations = [Organisation(row.entity_id, row.entity_key)]
    if row.has_owner:
        organisations.append(Organisation(row.owner_entity_id, row.owner_key))
    return Project(row.revision, tuple(organisations))


def project_row(submission_id: str, project: Project) -> store.ProjectRow:
    """An entry's organisations as stored."""
    submitter, *owner = project.organisations
    if submitter.entity_id is None:  # `read_project` takes it from the entity, where it is required
        raise ValueError(f"{submission_id}: the submitting entity has no entity_id")
    row = store.ProjectRow(submission_id=submission_id, revision=project.revision, entity_id=submitter.entity_id, entity_key=submitter.key)
    for found in owner:
        row.has_owner, row.owner_entity_id, row.owner_key = True, found.entity_id, found.key
    return row
