"""Inbox and outbox tables: exactly-once effect over at-least-once delivery.

A service stores, in the transaction of an effect, the inbound event's key
(so a repeat is recognised) and the events the effect publishes (so a
repeat, or a restart after a crash between commit and publish, publishes
exactly the same events again). Consumers drop repeats by id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, update
from sqlmodel import Field, Session, SQLModel, col, select

from shared.envelope import CloudEvent


def event_key(event: CloudEvent) -> str:
    """Ids are unique per source (CONTRACT 1).

    PostgreSQL's text cannot hold a NUL character: a key with one is stored
    as its digest, so such an event is still recognised, on either database.
    """
    key = f"{event.source}\x1f{event.id}"
    if "\x00" in key:
        return "sha256\x1f" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"

    key: str = Field(primary_key=True)
    stream: str
    handled_at: datetime


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_event"

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(index=True, unique=True)
    stream: str
    cause_key: str = Field(index=True)
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    published: bool = Field(default=False, index=True)


INFRA_TABLES: tuple[type[SQLModel], ...] = (ProcessedEvent, OutboxEvent)


def seen_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of these inbound keys were handled before."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(session.exec(select(ProcessedEvent.key).where(col(ProcessedEvent.key).in_(chunk))).all())
    return found


def record(session: Session, cause: CloudEvent, stream: str, effects: Iterable[tuple[str, CloudEvent]]) -> list[OutboxEvent]:
    """Mark `cause` handled and queue its outbound events, in the caller's transaction."""
    key = event_key(cause)
    session.add(ProcessedEvent(key=key, stream=stream, handled_at=datetime.now(UTC)))
    rows = [OutboxEvent(id=ev.id, stream=out, cause_key=key, body=ev.to_json()) for out, ev in effects]
    session.add_all(rows)
    return rows


def pending_for(session: Session, cause_keys: Sequence[str]) -> list[OutboxEvent]:
    """Unpublished events of causes handled before (a redelivery after a crash)."""
    rows: list[OutboxEvent] = []
    for start in range(0, len(cause_keys), 500):
        chunk = cause_keys[start : start + 500]
        query = (
            select(OutboxEvent)
            .where(col(OutboxEvent.cause_key).in_(chunk), col(OutboxEvent.published).is_(False))
            .order_by(col(OutboxEvent.seq))
        )
        rows.extend(session.exec(query).all())
    return rows


def unpublished(session: Session, limit: int = 1000) -> list[OutboxEvent]:
    query = select(OutboxEvent).where(col(OutboxEvent.published).is_(False)).order_by(col(OutboxEvent.seq)).limit(limit)
    return list(session.exec(query).all())


def mark_published(session: Session, seqs: Sequence[int]) -> None:
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        session.exec(update(OutboxEvent).where(col(OutboxEvent.seq).in_(chunk)).values(published=True))
