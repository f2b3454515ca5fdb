"""The durable copies of what the voting service learns from others.

Members (the registry's stream) come by the hundred thousand, so they take
a batch path like ballots: one upsert a batch, newest entry wins. The
nominee list (on judging's stream) is one event among a few hundred, so it
goes through the foundation's per-event runtime (inbox, dead letters).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from sqlmodel import Session, select

from services.voting import commands, store, wire
from services.voting.domain import read_member
from services.voting.ledger import Ledger, Member
from services.voting.projection import nominee_map
from shared import bus, topology
from shared.envelope import CloudEvent, Unreadable
from shared.events import NominationsPublished, T
from shared.logs import get_logger
from shared.runtime import Effects, ServiceContext, types_on

log = get_logger()
JUDGING_TYPES = (
    T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.NOMINATIONS_PUBLISHED, T.WINNER_REFUSED, T.AWARDS_ANNOUNCED,
)


class Registry:
    """`wsis.stakeholder.registered` into `voting_member` (the same user_id replaces the profile)."""

    def __init__(self, ledger: Ledger, redis, source: str) -> None:  # type: ignore[no-untyped-def]
        self.ledger, self.redis, self.source = ledger, redis, source

    async def process(self, entries: Sequence[bus.Entry]) -> None:
        rows: list[Member] = []
        dead: list[tuple[str, bytes]] = []
        for entry in entries:
            event = wire.read(entry.raw)
            if not isinstance(event, Unreadable) and event.type != T.STAKEHOLDER_REGISTERED:
                event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
            if isinstance(event, Unreadable):
                log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
                dead.append((topology.DEADLETTER, bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, self.source).to_json()))
                continue
            member = read_member(event.data)
            if member is None:
                # The contract has no answer event for a bad profile: say so in the log.
                log.warning("stakeholder.invalid", stream=entry.stream, event_id=event.id, entry_id=entry.entry_id)
                continue
            user_id, known = member
            rows.append((user_id, known.entity_id, known.complete, store.position(entry.entry_id)))
        if rows:
            await self.ledger.run(self._store, rows)
        await commands.xadd_all(self.redis, dead)
        if entries:
            log.info("stakeholders.batch", stream=topology.IN_STAKEHOLDERS, entries=len(entries), stored=len(rows), dead=len(dead))


    def _store(self, rows: list[Member]) -> None:
        with self.ledger.transaction() as cur:
            self.ledger.add_members(cur, rows)


class JudgingHandler:
    """Keeps the nominee list; every other judging event is read and let be."""

    tables = store.TABLES
    accepts = types_on([(topology.OUT_JUDGING, JUDGING_TYPES)])

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        store.serialize_sqlite_writers(ctx.engine)

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        if event.type != T.NOMINATIONS_PUBLISHED:
            return []
        if session.exec(select(store.NomineeRow).limit(1)).first() is not None:
            log.warning("nominees.list_ignored", stream=stream, event_id=event.id)
            return []
        try:
            published = NominationsPublished.model_validate(event.data)
        except ValidationError as exc:
            log.error("nominees.list_invalid", stream=stream, event_id=event.id, errors=exc.error_count())
            return []
        nominees = nominee_map(published)
        session.add_all(
            store.NomineeRow(project_id=project, category=n.category, entity_id=n.entity_id, list_event_id=event.id)
            for project, n in nominees.items()
        )
        log.info("nominees.list_stored", stream=stream, event_id=event.id, projects=len(nominees))
        return []
