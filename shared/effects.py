"""Effects with their inbox and outbox rows, in one transaction; the outbox published and relayed.

A handler's effects, the inbound event's key (so a repeat is recognised) and
the events it publishes are committed together; a repeat's unpublished
events are published again. After the batch's MULTI/EXEC the rows are
marked published; what a crash left unpublished is relayed at start.

An event of a type an internal stream copies (`topology.Stream.copy_of`)
goes to that stream too, in the same MULTI/EXEC (`outgoing`); at start a
writer appends any copy its stream lacks (`complete_copies`): after a crash
between two appends without a transaction, or an upgrade from a release
without the copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import orjson
from redis.asyncio import Redis
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from structlog.contextvars import bound_contextvars

from shared import bus, outbox, topology
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


def outgoing(rows: Iterable[outbox.OutboxEvent]) -> list[tuple[str, bytes]]:
    """(stream, body) of each row, in order, each followed by its copies (`topology.COPIES`)."""
    out: list[tuple[str, bytes]] = []
    for row in rows:
        out.append((row.stream, row.body))
        copies = topology.COPIES.get(row.stream)
        if copies:
            kind = orjson.loads(row.body).get("type")
            out.extend((copy.name, row.body) for copy in copies if kind in copy.types)
    return out


async def complete_copies(engine: Engine, redis: Redis, writes: Iterable[str]) -> int:
    """Append to each internal stream among `writes` the published events it lacks; how many.

    The copied events are few (voting's reports): the outbox's rows of the
    copied streams, copied as `outgoing` copies them, and each copy, read whole.
    """
    copies = [s for s in writes if s in topology.INTERNAL_STREAMS]
    sources = {source for s in copies if (source := topology.INTERNAL_STREAMS[s].copy_of) is not None}
    if not sources:
        return 0
    with Session(engine) as session:
        query = select(outbox.OutboxEvent).where(col(outbox.OutboxEvent.stream).in_(sources))
        rows = list(session.exec(query.order_by(col(outbox.OutboxEvent.seq))).all())
    wanted = [(stream, body) for stream, body in outgoing(rows) if stream in copies]
    added = 0
    for name in copies:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = await redis.xrange(name)  # type: ignore[assignment]
        present = {orjson.loads(fields.get(bus.DATA_FIELD) or b"{}").get("id") for _, fields in entries}
        missing = [body for stream, body in wanted if stream == name and orjson.loads(body).get("id") not in present]
        if missing:
            await bus.publish_all(redis, [(name, body) for body in missing])
            log.info("outbox.copies_completed", stream=name, count=len(missing))
            added += len(missing)
    return added


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
        await bus.publish_all(redis, outgoing(rows))
        published(engine, rows)
        log.info("outbox.relayed", count=len(rows))
