"""The voting service: member registry, nominee list, ballots V2-V5, tallies, finalists.

Ballots, members and clock ticks are read by the service's own batch loops
(services/voting/consumer.py): at a million ballots, FastStream's
per-message work would cost more than deciding them. The judging stream, a
few hundred events, goes through the foundation's FastStream subscriber.
"""

from __future__ import annotations

import gc

from faststream.redis.annotations import RedisBatchStreamMessage

from services.voting.ballots import BallotDesk
from services.voting.clock import Reporter
from services.voting.consumer import StreamLoop
from services.voting.intake import JudgingHandler, Registry
from services.voting.ledger import Ledger
from services.voting.projection import Projection
from shared import bus, topology
from shared.runtime import Service
from shared.settings import Settings

# The hot path makes and drops a few objects a ballot by the hundred thousand;
# the collector's default rhythm (a young collection every 700 allocations,
# older ones scanning the whole registry) cost about a sixth of the throughput.
YOUNG_THRESHOLD = 50_000


def quiet_collector() -> tuple[int, int, int]:
    """Set the registry loaded at start aside from collections; collect the young rarely.

    Returns the thresholds to put back (`restore_collector`)."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *before[1:])
    return before


def restore_collector(thresholds: tuple[int, int, int]) -> None:
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class VotingService(Service):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__("voting", JudgingHandler, settings)
        self.loops: list[StreamLoop] = []
        self.ledger: Ledger | None = None
        self._collector: tuple[int, int, int] | None = None
        self.before_stop(self._stop_loops)

    async def _start(self) -> None:
        await super()._start()
        for stream in (topology.IN_STAKEHOLDERS, topology.IN_BALLOTS, topology.IN_CLOCK):
            await bus.ensure_group(self.redis, stream, self.name)
        self.ledger = ledger = Ledger(self.ctx.engine)
        self.projection = Projection(self.redis)
        with ledger.transaction() as cur:
            self.projection.seed(ledger.members(cur), ledger.nominees(cur))
        read = await self.projection.catch_up()
        self._collector = quiet_collector()
        self.desk = BallotDesk(self.ctx, self.redis, ledger, self.projection)
        self.registry = Registry(ledger, self.redis, self.source)
        self.reporter = Reporter(self.ctx, self.redis, self.projection, self.desk)
        self.log.info("registry.loaded", members=len(self.projection.members), entries_read=read,
                      nominees=len(self.projection.nominees or {}))

    async def _after_start(self) -> None:
        await super()._after_start()
        await self.reporter.relay()
        settings, source = self.settings, self.source
        self.loops = [
            StreamLoop(self.redis, topology.IN_STAKEHOLDERS, self.name, self.consumer, self.registry.process, settings, source),
            StreamLoop(self.redis, topology.IN_BALLOTS, self.name, self.consumer, self.desk.process, settings, source, self.desk.begin,
                       settings.ballot_batch_size),
            StreamLoop(self.redis, topology.IN_CLOCK, self.name, self.consumer, self.reporter.process, settings, source),
        ]
        for loop in self.loops:
            loop.start()

    async def _stop_loops(self) -> None:
        """First on shutdown: finish the batches in hand while Redis and the database are open."""
        for loop in self.loops:
            await loop.stop()

    async def _stop(self) -> None:
        if self.ledger is not None:
            self.ledger.close()
        if self._collector is not None:
            restore_collector(self._collector)
        await super()._stop()


def build(settings: Settings | None = None) -> VotingService:
    service = VotingService(settings)

    @service.subscriber(topology.OUT_JUDGING, title="judging", description="The nominee list (other judging events are ignored)")
    async def on_judging(msg: RedisBatchStreamMessage) -> None:
        await service.consume(topology.OUT_JUDGING, msg.raw_message)

    return service


app = build().app
