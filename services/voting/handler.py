"""The voting service's routes: event type -> application step.

| input | event type | step |
|---|---|---|
| ballots (a lane, the hot path) | `wsis.ballot.cast` | `BallotDesk` (ballots.py) |
| members (a lane) | `wsis.stakeholder.registered` | `MemberDesk` (members.py) |
| intake's stream | `wsis.submission.received` | `keep_project`: the entry's organisations (V3) |
| judging's stream | `wsis.nominations.published` | `keep_list`: the nominee list, once |
| clock | `wsis.clock.tick` | `reports.make`: weekly progress, the close |
| staff | `wsis.staff.votes_annulled` | `Annulments.on_annulled` (annulments.py) |

Other judging events, intake's rejections and staff screening decisions pass (the topology's `passes`).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

from pydantic import ValidationError
from redis.asyncio import Redis
from sqlmodel import Session, select

from services.voting import reports, store
from services.voting.adapters import wire
from services.voting.adapters.ledger import Ledger
from services.voting.adapters.projection import Projection, nominee_map, project_row
from services.voting.annulments import Annulments
from services.voting.ballots import BallotDesk
from services.voting.domain import read_project
from services.voting.members import MemberDesk
from shared import bus, topology
from shared.envelope import CloudEvent
from shared.events import NominationsPublished, T
from shared.logs import get_logger
from shared.runtime import Effects, ServiceContext

log = get_logger()
# The hot path makes and drops a few objects a ballot by the hundred thousand;
# the collector's default rhythm (a young collection every 700 allocations,
# older ones scanning the whole registry) cost about a sixth of the throughput.
YOUNG_THRESHOLD = 50_000
# The event loop and the ledger's thread share the interpreter lock, and the ledger lets go of it
# for every statement: coming back, it waited for the loop to give the lock up, at most the
# interpreter's switch interval (5 ms) each time, a dozen times a batch. A shorter interval hands
# the lock back sooner.
SWITCH_SECONDS = 0.0005


class VotingHandler:
    tables = store.TABLES
    accepts = topology.VOTING.accepts

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        store.serialize_sqlite_writers(ctx.engine)
        self.ledger: Ledger | None = None
        self.ballots: BallotDesk | None = None  # from `started` on
        self._interpreter: Interpreter | None = None
        self.annulments = Annulments(ctx)
        self.ahead: reports.Ahead | None = None  # the reports of the tick being handled, counted ahead
        self.folds = reports.Folds()  # each report's count from the last one's (reports.py)

    # --- lifecycle (called by the runtime) ------------------------------------------

    async def started(self, redis: Redis) -> None:
        """Load the registry, the entries and the list, relay owed answers; then the lanes may read.

        (An earlier store was brought up to date before: schema revisions, shared.migrations.)"""
        with self.ctx.engine.connect() as conn:
            projects = store.projects(conn)
        self.ledger = ledger = Ledger(self.ctx.engine)
        self.projection = Projection(redis)
        with ledger.transaction() as cur:
            self.projection.seed(ledger.members(cur), ledger.nominees(cur), projects)
        read = await self.projection.catch_up()
        self.ballots = BallotDesk(self.ctx, ledger, self.projection)
        self.members = MemberDesk(ledger)
        await self.ballots.relay_owed(redis)
        self._interpreter = tune_interpreter()
        log.info(
            "registry.loaded", members=len(self.projection.members), projects=len(self.projection.projects),
            entries_read=read, nominees=len(self.projection.nominees or {}),
        )

    def closed(self) -> None:
        if self.ledger is not None:
            self.ledger.close()
        if self._interpreter is not None:
            restore_interpreter(self._interpreter)

    async def settled(self, batch: Sequence[bus.Entry]) -> bool:
        """A tick's extra wait, when a report is due: no ballot held (whichever replica holds it, this one
        may release it), then the ballots paused with every stored batch published, and the reports'
        votes counted on a snapshot; from the snapshot on, only late ballots wait (pause.py, reports.py)."""
        desk = self.ballots
        self.ahead = None
        cuts = self._due_cuts(batch)
        if desk is None or not cuts:
            return True
        if self._held() or not await desk.pause.pause() or self._held():
            desk.pause.resume()
            return False
        loop, hold = asyncio.get_running_loop(), partial(desk.pause.hold, max(cuts))

        def taken() -> None:
            loop.call_soon_threadsafe(hold)

        self.ahead = await asyncio.to_thread(reports.count_ahead, self.ctx.engine, cuts, taken, self.folds)
        return True

    def _due_cuts(self, batch: Sequence[bus.Entry]) -> list[int]:
        """The cut-offs of the reports due by the batch's last tick (none if no tick reads well)."""
        read = (wire.read(entry.raw) for entry in batch if entry.stream == topology.IN_CLOCK)
        times = [event.at for event in read if isinstance(event, wire.Event) and event.type == T.CLOCK_TICK]
        if not times:
            return []
        with Session(self.ctx.engine) as session:
            return sorted({cut for _, _, cut in reports.due(session, self.ctx.contest, max(times))})

    async def paused(self) -> bool:
        """An annulment's wait: the ballots paused with every stored batch published, until its answer is."""
        desk = self.ballots
        return True if desk is None else await desk.pause.pause()

    def resume(self) -> None:
        """The tick's reports or the annulment's answer are published (or failed): the ballots go on."""
        self.ahead = None
        if self.ballots is not None:
            self.ballots.pause.resume()

    def _held(self) -> int:
        with Session(self.ctx.engine) as session:
            held = reports.held_count(session)
        if held and self.ballots is not None:
            self.ballots.maybe_held = True
        return held

    # --- the per-event routes ----------------------------------------------------

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects:
        if event.type == T.NOMINATIONS_PUBLISHED:
            self.keep_list(session, stream, event)
            return []
        if event.type == T.SUBMISSION_RECEIVED:
            self.keep_project(session, stream, event)
            return []
        if event.type == T.CLOCK_TICK:
            made = reports.make(session, self.ctx.contest, self.ctx.source, event, self.ahead, self.folds)
            return [(topology.OUT_VOTING, report) for report in made]
        if event.type == T.STAFF_VOTES_ANNULLED:
            return self.annulments.on_annulled(session, event)
        return []  # a passed type that took the full path

    def keep_project(self, session: Session, stream: str, event: CloudEvent) -> None:
        """An entry's organisations (V3), its latest revision's; never its coordinator."""
        project = read_project(event.data)
        if project is None:
            log.error("project.invalid", stream=stream, event_id=event.id)
            return
        store.keep_project(session.connection(), project_row(*project))
        log.debug("project.stored", stream=stream, event_id=event.id, submission_id=project[0], revision=project[1].revision)

    def keep_list(self, session: Session, stream: str, event: CloudEvent) -> None:
        """The nominee list, stored once (the first one published stands)."""
        if session.exec(select(store.NomineeRow).limit(1)).first() is not None:
            log.warning("nominees.list_ignored", stream=stream, event_id=event.id)
            return
        try:
            published = NominationsPublished.model_validate(event.data)
        except ValidationError as exc:
            log.error("nominees.list_invalid", stream=stream, event_id=event.id, errors=exc.error_count())
            return
        nominees = nominee_map(published)
        session.add_all(
            store.NomineeRow(project_id=project, category=n.category, entity_id=n.entity_id, list_event_id=event.id)
            for project, n in nominees.items()
        )
        log.info("nominees.list_stored", stream=stream, event_id=event.id, projects=len(nominees))


class Interpreter(NamedTuple):
    """The collector's thresholds and the switch interval, as they were before `tune_interpreter`."""

    thresholds: tuple[int, int, int]
    switch_seconds: float


def tune_interpreter() -> Interpreter:
    """Set the registry loaded at start aside from collections; collect the young rarely; hand the
    interpreter lock over sooner (`SWITCH_SECONDS`).

    Returns what to put back (`restore_interpreter`)."""
    before = Interpreter(gc.get_threshold(), sys.getswitchinterval())
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *before.thresholds[1:])
    sys.setswitchinterval(SWITCH_SECONDS)
    return before


def restore_interpreter(before: Interpreter) -> None:
    gc.unfreeze()
    gc.set_threshold(*before.thresholds)
    sys.setswitchinterval(before.switch_seconds)
