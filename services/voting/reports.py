"""Clock ticks: weekly progress at the end of each voting week, the close once.

Work falls due at a cut-off (a week's end, the close) and is done on the
first tick at or after it. The runtime drains the ballot stream up to the
tick first (the topology's `drained_before_tick`), and the service waits
until no ballot is held (`settled`), so a report counts every ballot
published before the tick and timed before the cut-off. A report is stored
under its name in the tick's transaction and published through the
runtime's outbox, so it is made once however ticks repeat, jump or race on
two replicas (the name is the primary key); its id does not depend on the tick.
Its `ballots_root` is folded from the leaves stored with the votes it counts
(the same votes as its tally); while it is made and published the ballots
wait (pause.py), so it counts exactly the votes whose answers precede it.

Counting a million votes takes seconds. It is done ahead, before the tick
is handled (`count_ahead`, on a thread of its own): on a snapshot of the
database taken once every stored batch is published, after which new
batches are stored again and published unless they hold a vote counted
before the cut-off (a late ballot), which waits for the report. The report
then uses those counts if no annulment was recorded since the snapshot
(`store.annulments_mark`), and counts again otherwise.

On SQLite a report reads only the votes its predecessor did not count
(`Folds`): the week's, and the late ones stored since the predecessor's
snapshot; the tally and the ordered leaves of the predecessor are kept in
memory. A new process, an annulment since, or PostgreSQL (whose rows have
no insertion order to go by) count every vote.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from services.voting import store
from services.voting.adapters import wire
from services.voting.domain import Nominee, merkle, micros, tally
from shared.contest import Contest
from shared.db import is_postgres
from shared.envelope import CloudEvent
from shared.events import T
from shared.logs import get_logger

log = get_logger()
Fold = tuple[dict[int, dict[str, tuple[int, int]]], str]  # (tally, ballots_root) at a cut-off


class Ahead(NamedTuple):
    """Reports counted before their tick is handled: at which cut-offs, and as of which annulment."""

    folds: dict[int, Fold]
    annulments: tuple[int, int]


def fold(db: Any, pg: bool, cut: int) -> Fold:
    counts, leaves = store.counted_on(db, pg, cut)
    return counts, merkle.root(merkle.ordered(leaves)).hex()


@dataclass(frozen=True, slots=True)
class _Kept:
    annulments: tuple[int, int]  # the annulments' mark the fold was made under
    stored: int  # the last vote stored in its snapshot
    cut: int
    tally: dict[int, dict[str, tuple[int, int]]]  # as `store.Counted`'s
    leaves: list[tuple[str, bytes]]  # (ballot_id, leaf), in the contract's order


class Folds:
    """Folds at growing cut-offs, each from the last (SQLite); see the module's docstring."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self._lock = threading.Lock()  # the thread counting ahead, or the tick's transaction: one at a time

    def forget(self) -> None:
        """Once the close is made: no report follows, and a million leaves need not stay in memory."""
        with self._lock:
            self._kept = None

    def fold(self, db: Any, pg: bool, cut: int, annulments: tuple[int, int]) -> Fold:
        """The fold at `cut` in `db`'s transaction, whose annulments' mark is `annulments`."""
        if pg:
            return fold(db, pg, cut)
        started = time.thread_time()
        with self._lock:
            stored, kept = store.last_stored(db), self._kept
            if kept is not None and kept.annulments == annulments and cut >= kept.cut and stored >= kept.stored:
                added = store.counted_since(db, cut, kept.stored, kept.cut)
                tally = {category: dict(projects) for category, projects in kept.tally.items()}
                for category, projects in added.tally.items():
                    mine = tally.setdefault(category, {})
                    for project, (votes, last) in projects.items():
                        before = mine.get(project)
                        mine[project] = (votes, last) if before is None else (before[0] + votes, max(before[1], last))
                leaves = kept.leaves + sorted(added.leaves)
                leaves.sort()  # two ordered runs, merged
                read, from_last = len(added.leaves), True
            else:
                counted = store.counted_on(db, False, cut)
                tally, leaves = counted.tally, sorted(counted.leaves)
                read, from_last = len(leaves), False
            self._kept = _Kept(annulments, stored, cut, tally, leaves)
        root = merkle.root([digest for _, digest in leaves]).hex()
        log.info("report.folded", cut=wire.iso(cut), votes=len(leaves), read=read, from_last=from_last,
                 cpu_s=round(time.thread_time() - started, 3))  # fmt: skip
        return tally, root


def count_ahead(engine: Engine, cuts: Sequence[int], taken: Callable[[], None], folds: Folds) -> Ahead:
    """Count the votes at each cut-off on one snapshot, on a connection of its own (a thread's work);
    `taken` is called once the snapshot is, before the first vote is read."""
    pg = is_postgres(engine)
    raw = engine.raw_connection()
    db: Any = raw.driver_connection
    try:
        if pg:
            db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            was, db.isolation_level = db.isolation_level, None
            db.execute("BEGIN")
        try:
            mark = store.annulments_mark(db)  # the first read takes the snapshot
            taken()
            return Ahead({cut: folds.fold(db, pg, cut, mark) for cut in cuts}, mark)
        finally:
            if pg:
                db.rollback()
            else:
                db.execute("ROLLBACK")
                db.isolation_level = was
    finally:
        raw.close()


def due(session: Session, contest: Contest, now: int) -> list[tuple[str, int, int]]:
    """(name, week, cut-off) of the reports due by `now` and not yet made, in order."""
    wanted = [(f"progress-{w.number}", w.number, micros(w.end)) for w in contest.voting_weeks if micros(w.end) <= now]
    if micros(contest.voting.end) <= now:
        wanted.append((store.CLOSE_REPORT, 0, micros(contest.voting.end)))
    done = set(session.exec(select(store.ReportRow.name).where(col(store.ReportRow.name).in_([w[0] for w in wanted]))).all())
    return [item for item in wanted if item[0] not in done]


def nominees(session: Session) -> dict[str, Nominee] | None:
    rows = session.exec(select(store.NomineeRow)).all()
    return {row.project_id: Nominee(row.category, row.entity_id) for row in rows} or None


def held_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(store.HeldRow)).one()


def make(session: Session, contest: Contest, source: str, tick: CloudEvent, ahead: Ahead | None, folds: Folds) -> list[CloudEvent]:
    """Every report due at the tick, stored under its name; the events to publish, in order."""
    reports = []
    conn = session.connection()
    store.take_turn_with_reports(conn)  # with annulments, also on other replicas
    db = conn.connection.dbapi_connection
    assert db is not None  # a live connection has one
    pg = is_postgres(conn.engine)
    # the last week is cut at the close: its progress and the close count the same votes
    mark = store.annulments_mark(db)
    made: dict[int, Fold] = dict(ahead.folds) if ahead is not None and mark == ahead.annulments else {}
    listed = nominees(session)
    categories = sorted(contest.categories)
    for name, week, cut in due(session, contest, micros(tick.time)):
        if cut not in made:
            made[cut] = folds.fold(db, pg, cut, mark)
        counts, root = made[cut]
        if week:
            kind, data = T.VOTING_PROGRESS, tally.progress(week, wire.iso(cut), root, categories, counts, listed)
        else:
            kind = T.VOTING_CLOSED
            data = tally.closed(wire.iso(cut), root, categories, counts, listed, contest.quotas.finalists_per_category)
        event_id = wire.uuid_text(wire.answer_id(kind, contest.name, name))
        body = wire.event_bytes(event_id, source, kind, cut, data, tick.id)
        session.add(store.ReportRow(name=name, event_id=event_id, body=body))
        reports.append(CloudEvent.model_validate_json(body))
        log.info("report.made", name=name, event_id=event_id, tick_id=tick.id, ballots_root=root)
        if not week:
            folds.forget()
    return reports
