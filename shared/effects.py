"""Effects with their inbox and outbox rows, in one transaction; the outbox published and relayed.

A handler's effects, the inbound event's key (so a repeat is recognised) and
the events it publishes are committed together; a repeat's unpublished
events are published again. After the batch's MULTI/EXEC the rows are
marked published; what a crash left unpublished is relayed at start.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy import Engine
from sqlmodel import Session
from structlog.contextvars import bound_contextvars

from shared import bus, outbox
from shared.context import Handler
from shared.envelope import CloudEvent
from shared.logs import get_logger

log = get_logger()


def apply(engine: Engine, handler: Handler, readable: Sequence[tuple[bus.Entry, CloudEvent]]) -> list[outbox.OutboxEvent]:
    """Handle the events not seen before; the outbox rows to publish (a repeat's unpublished ones too)."""
    with Session(engine, expire_on_commit=False) as session:
        keys = [outbox.event_key(event) for _, event in readable]
        seen = outbox.seen_keys(session, keys)
        rows = outbox.pending_for(session, sorted(seen))
        for (entry, event), key in zip(readable, keys, strict=True):
            if key in seen:
                log.info("event.repeat", stream=entry.stream, event_id=event.id, type=event.type)
                continue
            seen.add(key)
            # Every line the handler logs for this event carries its ids (structlog's contextvars).
            with bound_contextvars(stream=entry.stream, event_id=event.id, causation_id=event.causationid, type=event.type):
                effects = handler.handle(session, entry.stream, event)
            rows.extend(outbox.record(session, event, entry.stream, effects))
        session.commit()
    return rows


def published(engine: Engine, rows: Sequence[outbox.OutboxEvent]) -> None:
    if rows:
        with Session(engine) as session:
            outbox.mark_published(session, [r.seq for r in rows if r.seq is not None])
            session.commit()


async def relay(engine: Engine, redis: Redis) -> None:
    """Publish what a crash left committed but unpublished (at start, before the inputs are read)."""
    while True:
        with Session(engine, expire_on_commit=False) as session:  # no transaction held across the publish
            rows = outbox.unpublished(session)
        if not rows:
            return
        await bus.publish_all(redis, [(r.stream, r.body) for r in rows])
        published(engine, rows)
        log.info("outbox.relayed", count=len(rows))
