"""The eligibility service's tables: its copy of the entries, their verdicts, the LSH index.

`eligibility_band` holds each entry's LSH band keys, so the near-copy index
lives in the database: it survives restarts, replicas share it, and a
lookup is one indexed query. `eligibility_state` is one row: a lock that
serialises screening across replicas (first entry wins needs a single
order), the arrival counter, and the layout the band keys were made with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Engine,
    Index,
    LargeBinary,
    Table,
    Text,
    and_,
    delete,
    event,
    insert,
    or_,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Field, Session, SQLModel, col, select

if TYPE_CHECKING:
    from services.eligibility.screener import Screener

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(instant: datetime) -> int:
    """Business time as an integer: sorts the same on SQLite and PostgreSQL."""
    return (instant - EPOCH) // timedelta(microseconds=1)


class EntryRow(SQLModel, table=True):
    __tablename__ = "eligibility_entry"
    __table_args__ = (Index("ix_eligibility_entry_group", "entity_id", "category"),)

    submission_id: str = Field(primary_key=True)
    revision: int
    entity_id: str
    category: int | None = None
    # The order of "first entry wins": first revision's business time, then arrival.
    first_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    arrival: int = Field(sa_column=Column(BigInteger, nullable=False))
    content: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: str = Field(index=True)
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    language: dict = Field(sa_column=Column(JSON, nullable=False))
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    verdict: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    @property
    def order(self) -> tuple[int, int]:
        return (self.first_us, self.arrival)


class BandRow(SQLModel, table=True):
    __tablename__ = "eligibility_band"
    # SQLite: the primary key is the table (one B-tree, not a table and an index)
    __table_args__ = {"sqlite_with_rowid": False}

    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    submission_id: str = Field(primary_key=True)


class StateRow(SQLModel, table=True):
    __tablename__ = "eligibility_state"

    id: int = Field(primary_key=True)
    arrivals: int = Field(sa_column=Column(BigInteger, nullable=False))
    index_layout: str = ""


TABLES = (EntryRow, BandRow, StateRow)


def ensure_state(session: Session) -> StateRow:
    """The state row, locked; created by whichever replica comes first."""
    state = session.get(StateRow, 1, with_for_update=True)
    if state is None:
        try:
            with session.begin_nested():
                session.add(StateRow(id=1, arrivals=0, index_layout=""))
        except IntegrityError:  # another replica created it meanwhile
            pass
        state = session.get(StateRow, 1, with_for_update=True, populate_existing=True)
        assert state is not None
    return state


ARRIVAL_BLOCK = 1024


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (for statements that skip the ORM)."""
    # SQLModel gives a table model its __table__ when the class is made; its type does not declare it.
    return model.__table__  # type: ignore[attr-defined]


def take_turn(session: Session) -> int:
    """A fresh arrival number; the first call of a transaction locks the state row.

    The lock (a write, so SQLite takes its write lock too) is taken before
    anything is read and held to the commit: two replicas never screen at
    once, so "first entry wins" has one order. Numbers are handed out from a
    block reserved per transaction; gaps do not matter, only the order.
    """
    turn = session.info.get("eligibility_turn")
    if turn is None or turn[0] >= turn[1]:
        table = table_of(StateRow)
        statement = update(table).where(table.c.id == 1).values(arrivals=table.c.arrivals + ARRIVAL_BLOCK)
        end = session.execute(statement.returning(table.c.arrivals)).scalar_one_or_none()
        if end is None:
            ensure_state(session)
            return take_turn(session)
        turn = session.info["eligibility_turn"] = [int(end) - ARRIVAL_BLOCK, int(end)]
    arrival = turn[0]
    turn[0] += 1
    return arrival


def load(session: Session, submission_id: str) -> EntryRow | None:
    return session.get(EntryRow, submission_id)


def rows(session: Session, submission_ids: Iterable[str]) -> list[EntryRow]:
    ids = sorted(set(submission_ids))
    found: list[EntryRow] = []
    for start in range(0, len(ids), 500):
        found.extend(session.exec(select(EntryRow).where(col(EntryRow.submission_id).in_(ids[start : start + 500]))).all())
    return found


@dataclass(frozen=True, slots=True)
class Neighbour:
    """What facts about another entry need, without its data and verdict."""

    submission_id: str
    entity_id: str
    category: int | None
    order: tuple[int, int]
    fingerprint: str
    signature: bytes
    content: str


def neighbours(session: Session, entity_id: str, category: int | None, fingerprints: Iterable[str], keys: Iterable[int]) -> list[Neighbour]:
    """Entries of the entity in the category, with one of the fingerprints, or sharing a band key (one query)."""
    e, b = table_of(EntryRow).c, table_of(BandRow).c
    bands = core_select(b.submission_id).where(b.key.in_(sorted(set(keys))))
    query = core_select(e.submission_id, e.entity_id, e.category, e.first_us, e.arrival, e.fingerprint, e.signature, e.content).where(
        or_(and_(e.entity_id == entity_id, e.category == category), e.fingerprint.in_(sorted(set(fingerprints))), e.submission_id.in_(bands))
    )
    return [Neighbour(r[0], r[1], r[2], (r[3], r[4]), r[5], r[6], r[7]) for r in session.execute(query).all()]


def replace_bands(session: Session, submission_id: str, old: Sequence[int], new: Sequence[int]) -> None:
    if old:
        session.execute(delete(BandRow).where(col(BandRow.submission_id) == submission_id, col(BandRow.key).in_(sorted(set(old)))))
    if new:
        table = table_of(BandRow)  # Core executemany: no ORM bookkeeping for index rows
        session.execute(insert(table), [{"key": k, "submission_id": submission_id} for k in sorted(set(new))])


def all_rows(session: Session, batch: int = 1000) -> Iterable[EntryRow]:
    last = ""
    while True:
        chunk = session.exec(select(EntryRow).where(col(EntryRow.submission_id) > last).order_by(col(EntryRow.submission_id)).limit(batch)).all()
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].submission_id


def clear_bands(session: Session) -> None:
    session.execute(delete(BandRow))


def reindex_if_needed(session: Session, screener: Screener) -> int | None:
    """Rebuild signatures and band keys if the S4 parameters changed; how many entries, or None."""
    state = ensure_state(session)
    if state.index_layout == screener.index_label:
        return None
    clear_bands(session)
    count = 0
    for row in all_rows(session):
        row.signature = screener.signature_of(row.content)
        replace_bands(session, row.submission_id, [], screener.keys_of(row.signature))
        session.add(row)
        count += 1
    state.index_layout = screener.index_label
    session.add(state)
    return count


def tune_sqlite(engine: Engine) -> None:
    """A page cache that holds the band index (64 MiB; SQLite's default is 2 MiB)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _cache(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()
