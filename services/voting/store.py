"""The voting service's tables.

`voting_vote`'s primary key (voter_id, category) is V5 itself: two replicas
racing two ballots of one voter can both try, the database keeps one. Every
answered ballot is in `voting_ballot` under its answer id, so a ballot seen
before changes nothing and gets the same answer again. The registry keeps
only what V2 and V3 need (completeness, entity, the organisation's name key
and country), no personal data; `voting_project` the organisations each entry
belongs to (V3), never its coordinator.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import JSON, BigInteger, Column, Connection, DateTime, Engine, LargeBinary, Text, bindparam, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Field, SQLModel

from services.voting.domain import merkle
from shared.audit import append_only
from shared.db import is_postgres


class MemberRow(SQLModel, table=True):
    __tablename__ = "voting_member"

    user_id: str = Field(primary_key=True)
    entity_id: str | None = None
    complete: bool
    # Where the profile sits in its stream: a later registration replaces an
    # earlier one even when two replicas store them out of order.
    position: str
    # The organisation's name and country as V3 compares them ("KE openschoolsnetwork");
    # None: unknown (a row stored before it was kept, or a profile without them).
    org_key: str | None = None


class ProjectRow(SQLModel, table=True):
    """The organisations an entry belongs to (V3), from its latest revision: its submitter, and its owner if named."""

    __tablename__ = "voting_project"

    submission_id: str = Field(primary_key=True)
    revision: int
    entity_id: str
    # The organisations' names and countries as V3 compares them; None: a name without a letter or digit.
    entity_key: str | None = None
    has_owner: bool = False
    owner_entity_id: str | None = None
    owner_key: str | None = None


class NomineeRow(SQLModel, table=True):
    __tablename__ = "voting_nominee"

    project_id: str = Field(primary_key=True)
    category: int
    entity_id: str
    list_event_id: str


class BallotRow(SQLModel, table=True):
    """Every answered ballot; `reason` is None for an accepted vote."""

    __tablename__ = "voting_ballot"

    key: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    ballot_id: str
    voter_id: str | None = None
    category: int | None = None
    project_id: str | None = None
    reason: str | None = None
    at_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class VoteRow(SQLModel, table=True):
    """Accepted votes: at most one per voter and category (V5), enforced here.

    `leaf` is the vote's leaf of `ballots_root` (domain/merkle.py), hashed once
    when the vote is stored, and `ballot_id` orders it among the leaves: a
    report reads the votes alone, never their ballots. `annulled` (epoch
    microseconds) marks a vote that stopped counting, left out of tallies and
    roots alike.
    """

    __tablename__ = "voting_vote"

    voter_id: str = Field(primary_key=True)
    category: int = Field(primary_key=True)
    ballot_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    project_id: str
    at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    leaf: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    annulled: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # None: a vote stored before it was kept here (its ballot's row has it).
    ballot_id: str | None = None


class HeldRow(SQLModel, table=True):
    """Ballots timed after the nominee-list date that arrived before the list."""

    __tablename__ = "voting_held"

    key: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    ballot_id: str
    voter_id: str
    category: int
    project_id: str
    at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    position: str = Field(index=True)


class OwedRow(SQLModel, table=True):
    """Answers of released held ballots, committed and not yet published.

    A held ballot's entry was acknowledged when it was held: once released,
    nothing would deliver it again, so its answer is owed here, in the
    transaction that decides it, until it is published (relayed at start).
    """

    __tablename__ = "voting_owed"

    seq: int | None = Field(default=None, primary_key=True)
    keys: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # answer ids, 16 bytes each


class ReportRow(SQLModel, table=True):
    """Weekly progress and the close: made once under its name (the runtime's outbox publishes it)."""

    __tablename__ = "voting_report"

    name: str = Field(primary_key=True)
    event_id: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AnnulmentRow(SQLModel, table=True):
    """The audit trail of staff annulments (CONTRACT 5.2): every decision, accepted or refused; inserts only.

    When (the event's business time), who, which voters, why, the outcome
    (`annulled`, or the refusal's reason and why), how many votes stopped
    counting, and the event that carried it.
    """

    __tablename__ = "voting_annulment"

    seq: int | None = Field(default=None, primary_key=True)
    event_id: str
    decided_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    staff_member_id: str | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    voter_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    outcome: str  # "annulled", "too_late" or "invalid_decision"
    why: str | None = None  # a refusal's explanation
    votes_annulled: int = 0


class SuspendedRow(SQLModel, table=True):
    """Voters whose votes staff annulled: their later ballots are rejected `voter_suspended`. Inserts only."""

    __tablename__ = "voting_suspended"

    voter_id: str = Field(primary_key=True)
    annulment_seq: int  # the trail's row that suspended the voter first


TABLES = (MemberRow, NomineeRow, ProjectRow, BallotRow, VoteRow, HeldRow, OwedRow, ReportRow, AnnulmentRow, SuspendedRow)
append_only(AnnulmentRow, SuspendedRow)


# --- the hot path's rows, as the ledger writes and reads them (adapters/ledger.py) ---


class Answer(NamedTuple):
    """A `voting_ballot` row: an answered ballot."""

    key: bytes  # the answer's id
    ballot_id: str
    voter_id: str | None
    category: int | None
    project_id: str | None
    reason: str | None  # None: counted
    at_us: int


class Vote(NamedTuple):
    """A `voting_vote` row as the hot path inserts it (never annulled)."""

    voter_id: str
    category: int
    ballot_key: bytes
    project_id: str
    at_us: int
    leaf: bytes
    ballot_id: str


class Held(NamedTuple):
    """A `voting_held` row."""

    key: bytes
    ballot_id: str
    voter_id: str
    category: int
    project_id: str
    at_us: int
    position: str


class Profile(NamedTuple):
    """A `voting_member` row."""

    user_id: str
    entity_id: str | None
    complete: bool
    position: str
    org_key: str | None


PROJECT_COLUMNS = ("submission_id", "revision", "entity_id", "entity_key", "has_owner", "owner_entity_id", "owner_key")
_KEEP_PROJECT = text(
    f"INSERT INTO voting_project ({', '.join(PROJECT_COLUMNS)}) VALUES ({', '.join(':' + c for c in PROJECT_COLUMNS)}) "
    "ON CONFLICT (submission_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in PROJECT_COLUMNS[1:])
    + " WHERE excluded.revision > voting_project.revision"
)


def keep_project(conn: Connection, row: ProjectRow) -> None:
    """Store an entry's organisations; a row stored from a later revision stays."""
    conn.execute(_KEEP_PROJECT, row.model_dump())


def projects(conn: Connection) -> list[ProjectRow]:
    return [ProjectRow(**dict(r._mapping)) for r in conn.execute(text(f"SELECT {', '.join(PROJECT_COLUMNS)} FROM voting_project"))]


def position(entry_id: str) -> str:
    """A stream entry id as a string that sorts the way the stream does."""
    ms, _, seq = entry_id.partition("-")
    return f"{int(ms):020d}-{int(seq or 0):020d}"


def serialize_sqlite_writers(engine: Engine) -> None:
    """Every SQLite transaction takes the write lock at BEGIN (BEGIN IMMEDIATE).

    With WAL, a deferred transaction that read and then writes after another
    process committed fails at once with "database is locked" instead of
    waiting; replicas sharing one file would then fail batches at random.
    """
    if is_postgres(engine):
        return

    @event.listens_for(engine, "connect")
    def _manual_transactions(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# The votes a report counts: timed before its cut-off, not annulled (the tally and the root alike).
COUNTING = "v.at_us < {p} AND v.annulled IS NULL"
# One scan of the votes alone; a vote stored without its ballot id (before revision
# voting_0003, or by a replica of an earlier release meanwhile) finds it in its ballot.
_COUNTED = (
    "SELECT COALESCE(v.ballot_id, (SELECT b.ballot_id FROM voting_ballot AS b WHERE b.key = v.ballot_key)), "
    f"v.leaf, v.category, v.project_id, v.at_us FROM voting_vote AS v WHERE {COUNTING}"
)


class Counted(NamedTuple):
    """What a report counts at its cut-off."""

    tally: dict[int, dict[str, tuple[int, int]]]  # {category: {project: (votes, time of its last vote)}}
    leaves: list[tuple[str, bytes]]  # (ballot_id, leaf), in no order (merkle.ordered orders them)


def counted(conn: Connection, cut: int) -> Counted:
    """The tally and the leaves of the votes counting at `cut`, from one scan of the votes."""
    db = conn.connection.dbapi_connection
    assert db is not None  # a live connection has one
    return counted_on(db, conn.dialect.name == "postgresql", cut)


def counted_on(db: DBAPIConnection, pg: bool, cut: int) -> Counted:
    """`counted` on the driver's own connection `db`, in whatever transaction it is in.

    A million votes is a million rows: they are read on the driver's own
    cursor (no SQLAlchemy row each) and tallied here, which costs less than
    the database's GROUP BY and a second scan.
    """
    return _count(db, _COUNTED.format(p="%s" if pg else "?"), (cut,))


# SQLite: the votes counting at a cut-off that a fold at an earlier cut-off, on an earlier snapshot whose
# last vote was `stored`, did not count: stored since (rowids grow with each insert: votes are never
# deleted), or timed from that cut-off on. The annulments must be the same as then.
_COUNTED_SINCE = _COUNTED.format(p="?") + " AND (v.rowid > ? OR v.at_us >= ?)"
LAST_STORED = "SELECT COALESCE(MAX(rowid), 0) FROM voting_vote"


def counted_since(db: DBAPIConnection, cut: int, stored: int, earlier: int) -> Counted:
    """On SQLite, what `counted_on(db, False, cut)` adds to a count at `earlier` (<= `cut`) on a snapshot
    whose last stored vote was `stored` (`last_stored`), the annulments unchanged since."""
    return _count(db, _COUNTED_SINCE, (cut, stored, earlier))


def last_stored(db: DBAPIConnection) -> int:
    """SQLite: the rowid of the last vote stored, as the transaction sees the votes."""
    cursor = db.cursor()
    try:
        cursor.execute(LAST_STORED)
        (last,) = cursor.fetchone() or (0,)
        return int(last)
    finally:
        cursor.close()


def _count(db: DBAPIConnection, query: str, params: tuple[int, ...]) -> Counted:
    cursor = db.cursor()
    try:
        cursor.execute(query, params)
        votes: dict[tuple[int, str], int] = {}
        last: dict[tuple[int, str], int] = {}
        leaves: list[tuple[str, bytes]] = []
        add = leaves.append
        while rows := cursor.fetchmany(20_000):
            for ballot_id, digest, category, project_id, at_us in rows:
                # A vote stored before leaves were kept (and not yet upgraded) is hashed here.
                add((ballot_id, bytes(digest) if digest is not None else merkle.leaf(ballot_id, category, project_id)))
                key = (category, project_id)
                votes[key] = votes.get(key, 0) + 1
                if at_us > last.get(key, -1):
                    last[key] = at_us
    finally:
        cursor.close()
    tally: dict[int, dict[str, tuple[int, int]]] = {}
    for (category, project_id), n in votes.items():
        tally.setdefault(category, {})[project_id] = (n, int(last[category, project_id]))
    return Counted(tally, leaves)


ANNULMENTS_MARK = "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM voting_annulment"


def annulments_mark(db: DBAPIConnection) -> tuple[int, int]:
    """Where the annulments' trail stands (inserts only): a report counted ahead checks it is unchanged."""
    cursor = db.cursor()
    try:
        cursor.execute(ANNULMENTS_MARK)
        count, last = cursor.fetchone() or (0, 0)
    finally:
        cursor.close()
    return int(count), int(last)


# --- annulments (annulments.py) ---

ANNUL_CHUNK = 500  # voter ids a statement (SQLite's bound on parameters)
_ANNUL = text("UPDATE voting_vote SET annulled = :at WHERE annulled IS NULL AND voter_id IN :voters").bindparams(
    bindparam("voters", expanding=True)
)
_SUSPEND = text(
    "INSERT INTO voting_suspended (voter_id, annulment_seq) VALUES (:voter, :seq) ON CONFLICT (voter_id) DO NOTHING"
)


def take_turn_with_reports(conn: Connection) -> None:
    """A report and an annulment one after the other, also across replicas (PostgreSQL).

    Both change what counts: a report must count either all of an
    annulment or none of it, and an annulment must see a close that is
    published. On SQLite every writer takes the one write lock at BEGIN.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE voting_report IN SHARE ROW EXCLUSIVE MODE")


CLOSE_REPORT = "closed"  # the close's name in voting_report (reports.py)


def close_published(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM voting_report WHERE name = :name"), {"name": CLOSE_REPORT}).first() is not None


def annul(conn: Connection, voter_ids: Sequence[str], at_us: int) -> int:
    """Mark every counting vote of these voters annulled at `at_us`; how many were.

    On PostgreSQL the votes' table is locked against new votes first: the
    ballots' group commit takes its writer lock before it reads who is
    suspended (adapters/ledger.py), so every vote stored before this
    annulment is seen and marked here, and every batch stored after it sees
    the suspensions.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE voting_vote IN SHARE MODE")
    annulled = 0
    for start in range(0, len(voter_ids), ANNUL_CHUNK):
        annulled += conn.execute(_ANNUL, {"at": at_us, "voters": list(voter_ids[start : start + ANNUL_CHUNK])}).rowcount
    return annulled


def suspend(conn: Connection, voter_ids: Sequence[str], seq: int) -> None:
    """Suspend these voters (a voter suspended before keeps their first row)."""
    if voter_ids:
        conn.execute(_SUSPEND, [{"voter": voter, "seq": seq} for voter in voter_ids])


def suspended(conn: Connection) -> set[str]:
    return {voter for (voter,) in conn.execute(text("SELECT voter_id FROM voting_suspended"))}
