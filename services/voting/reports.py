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
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from services.voting import store
from services.voting.adapters import wire
from services.voting.domain import Nominee, merkle, micros, tally
from shared.contest import Contest
from shared.envelope import CloudEvent
from shared.events import T
from shared.logs import get_logger

log = get_logger()


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


def make(session: Session, contest: Contest, source: str, tick: CloudEvent) -> list[CloudEvent]:
    """Every report due at the tick, stored under its name; the events to publish, in order."""
    reports = []
    store.take_turn_with_reports(session.connection())  # with annulments, also on other replicas
    listed = nominees(session)
    categories = sorted(contest.categories)
    folds: dict[int, tuple[dict[int, dict[str, tuple[int, int]]], str]] = {}
    for name, week, cut in due(session, contest, micros(tick.time)):
        if cut not in folds:  # the last week is cut at the close: its progress and the close count the same votes
            counts, leaves = store.counted(session.connection(), cut)
            folds[cut] = counts, merkle.root(merkle.ordered(leaves)).hex()
            del leaves
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
