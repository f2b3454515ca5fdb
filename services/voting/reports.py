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

import asyncio
import time

from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from services.voting import store
from services.voting.adapters import wire
from services.voting.domain import Nominee, merkle, micros, tally
from services.voting.pause import Pause
from shared import outbox
from shared.contest import Contest
from shared.envelope import CloudEvent
from shared.events import T
from shared.logs import get_logger

log = get_logger()


def due(session: Session, contest: Contest, now: int) -> list[tuple[str, int, int]]:
    """(name, week, cut-off) of the reports due by `now` and not yet made, in order."""
    wanted = [(f"progress-{w.number}", w.number, micros(w.end)) for w in contest.voting_weeks if micros(w.end) <= now]
    if micros(contest.voting.end) <= now:
        wanted.append(("closed", 0, micros(contest.voting.end)))
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
    listed = nominees(session)
    categories = sorted(contest.categories)
    for name, week, cut in due(session, contest, micros(tick.time)):
        counts = store.tally(session.connection(), cut)
        root = merkle.root(merkle.ordered(store.counted_leaves(session.connection(), cut))).hex()
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


def resume_when_published(pause: Pause, engine: Engine, made: bool) -> None:
    """The ballots go on once the tick's reports are on the stream (at once if it made none)."""
    if not pause.paused:
        return
    if not made:
        pause.resume()
        return
    pause.resume_when(asyncio.get_running_loop().create_task(_published(engine, pause.limit_s)))


async def _published(engine: Engine, limit_s: float) -> None:
    """Until the runtime's outbox has nothing left to publish (it marks a report once it is on the stream)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with Session(engine) as session:
            if not outbox.unpublished(session, 1):
                return
        await asyncio.sleep(0.005)
