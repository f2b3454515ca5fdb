"""Clock ticks: weekly progress at the end of each voting week, the close once.

Work falls due at a cut-off (a week's end, the close) and is done on the
first tick at or after it. Before reporting, the ballot stream is drained up
to where it stood at the tick (every entry delivered and acknowledged by the
group, whichever replica had it) and held ballots are settled, so the report
counts every ballot published before the tick and timed before the cut-off.
A report is stored before it is published, under its name, so it is made
once however ticks repeat, jump or race on two replicas; its id does not
depend on the tick.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select, update

from services.voting import commands, store, tally, wire
from services.voting.ballots import BallotDesk
from services.voting.domain import micros
from services.voting.projection import Projection
from shared import bus, topology
from shared.envelope import CloudEvent, Unreadable, parse_entry
from shared.events import T
from shared.logs import get_logger
from shared.runtime import ServiceContext

log = get_logger()


class DrainTimeout(RuntimeError):
    """The ballots up to the tick were not all settled in time; the tick is retried."""


def entry_key(entry_id: str | bytes) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class Reporter:
    def __init__(self, ctx: ServiceContext, redis: Redis, projection: Projection, desk: BallotDesk) -> None:
        self.ctx, self.redis, self.projection, self.desk = ctx, redis, projection, desk
        self.drain_timeout = max(60.0, 3 * ctx.settings.reclaim_idle_ms / 1000)

    def due(self, now: int) -> list[tuple[str, int, int]]:
        """(name, week, cut-off) of the reports due by `now` and not yet published, in order."""
        contest = self.ctx.contest
        wanted = [(f"progress-{w.number}", w.number, micros(w.end)) for w in contest.voting_weeks if micros(w.end) <= now]
        if micros(contest.voting.end) <= now:
            wanted.append(("closed", 0, micros(contest.voting.end)))
        with Session(self.ctx.engine) as session:
            done = set(session.exec(select(store.ReportRow.name).where(col(store.ReportRow.published))).all())
        return [item for item in wanted if item[0] not in done]

    async def process(self, entries: Sequence[bus.Entry]) -> None:
        ticks: list[CloudEvent] = []
        dead: list[tuple[str, bytes]] = []
        for entry in entries:
            event = parse_entry(entry.raw)
            if isinstance(event, CloudEvent) and event.type == T.CLOCK_TICK:
                ticks.append(event)
                continue
            error = event.error if isinstance(event, Unreadable) else f"unknown event type {event.type!r} on {entry.stream}"
            log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=error)
            dead.append((topology.DEADLETTER, bus.deadletter(entry.stream, entry.entry_id, error, entry.raw, self.ctx.source).to_json()))
        await commands.xadd_all(self.redis, dead)
        if not ticks:
            return
        tick = max(ticks, key=lambda t: t.time)
        due = self.due(micros(tick.time))
        if due:
            await self.drain(tick.id)
            await self.report(due, tick)

    async def drain(self, tick_id: str) -> None:
        """Wait until every ballot in the stream now is settled by the group, held ones too."""
        upto = entry_key((await self.redis.xinfo_stream(topology.IN_BALLOTS))["last-generated-id"])
        deadline = time.monotonic() + self.drain_timeout
        while not (await self._delivered_and_acked(upto) and await self._none_held()):
            if time.monotonic() > deadline:
                raise DrainTimeout(f"ballots up to {upto} not settled within {self.drain_timeout:.0f}s")
            await asyncio.sleep(0.02)
        log.info("ballots.drained", tick_id=tick_id, upto="%d-%d" % upto)

    async def _delivered_and_acked(self, upto: tuple[int, int]) -> bool:
        group = next(g for g in await self.redis.xinfo_groups(topology.IN_BALLOTS) if g["name"] in (self.ctx.name, self.ctx.name.encode()))
        if entry_key(group["last-delivered-id"]) < upto:
            return False
        if group["pending"] == 0:
            return True
        # The last pending entry may have been acknowledged since: then there is no oldest one.
        oldest = (await self.redis.xpending(topology.IN_BALLOTS, self.ctx.name))["min"]
        return oldest is None or entry_key(oldest) > upto

    async def _none_held(self) -> bool:
        with Session(self.ctx.engine) as session:
            held = session.exec(select(func.count()).select_from(store.HeldRow)).one()
        if held:
            self.desk.maybe_held = True  # whichever replica holds them, this one may settle them
            await self.projection.catch_up()
        return held == 0

    async def report(self, due: list[tuple[str, int, int]], tick: CloudEvent) -> None:
        contest = self.ctx.contest
        categories = sorted(contest.categories)
        for name, week, cut in due:
            counts = await asyncio.to_thread(store.tally, self.ctx.engine, cut)
            if week:
                kind, data = T.VOTING_PROGRESS, tally.progress(week, wire.iso(cut), categories, counts, self.projection.nominees)
            else:
                kind = T.VOTING_CLOSED
                data = tally.closed(wire.iso(cut), categories, counts, self.projection.nominees, contest.quotas.finalists_per_category)
            event_id = wire.uuid_text(wire.answer_id(kind, contest.name, name))
            self._store(name, event_id, wire.event_bytes(event_id, self.ctx.source, kind, cut, data, tick.id))
            log.info("report.made", name=name, event_id=event_id, tick_id=tick.id)
        await self.relay()

    def _store(self, name: str, event_id: str, body: bytes) -> None:
        with Session(self.ctx.engine) as session:
            session.add(store.ReportRow(name=name, event_id=event_id, body=body))
            try:
                session.commit()
            except IntegrityError:  # another tick or replica made it first: theirs stands
                session.rollback()

    async def relay(self) -> None:
        """Publish every stored report not yet published (also after a crash), in order.

        No transaction is held across the publish: on SQLite it would hold the
        write lock while the hot path, on this same event loop, waits for it.
        """
        with Session(self.ctx.engine) as session:
            rows = session.exec(select(store.ReportRow).where(col(store.ReportRow.published).is_(False))).all()
            pending = [(row.name, row.body) for row in sorted(rows, key=lambda r: (r.name == "closed", len(r.name), r.name))]
        if not pending:
            return
        await commands.xadd_all(self.redis, [(topology.OUT_VOTING, body) for _, body in pending])
        names = [name for name, _ in pending]
        with Session(self.ctx.engine) as session:
            session.exec(update(store.ReportRow).where(col(store.ReportRow.name).in_(names)).values(published=True))  # type: ignore[call-overload]
            session.commit()
        log.info("report.published", names=names)
