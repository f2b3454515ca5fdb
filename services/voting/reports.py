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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def count_ahead(engine: Engine, cuts: Sequence[int], taken: Callable[[], None]) -> Ahead:
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
            return Ahead({cut: fold(db, pg, cut) for cut in cuts}, mark)
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


def make(session: Session, contest: Contest, source: str, tick: CloudEvent, ahead: Ahead | None = None) -> list[CloudEvent]:
    """Every report due at the tick, stored under its name; the events to publish, in order."""
    reports = []
    conn = session.connection()
    store.take_turn_with_reports(conn)  # with annulments, also on other replicas
    db = conn.connection.dbapi_connection
    assert db is not None  # a live connection has one
    pg = is_postgres(conn.engine)
    # the last week is cut at the close: its progress and the close count the same votes
    folds: dict[int, Fold] = dict(ahead.folds) if ahead is not None and store.annulments_mark(db) == ahead.annulments else {}
    listed = nominees(session)
    categories = sorted(contest.categories)
    for name, week, cut in due(session, contest, micros(tick.time)):
        if cut not in folds:
            folds[cut] = fold(db, pg, cut)
        counts, root = folds[cut]
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
    return reports
