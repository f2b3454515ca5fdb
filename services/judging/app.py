"""The judging service: the panel's decisions, quotas, finality and the embargo.

What it reads and writes is `shared.topology.JUDGING`; recorded winners go
to the sealed stream only.
"""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from faststream.redis.annotations import RedisBatchStreamMessage

from services.judging.drain import drain, id_key
from services.judging.handler import IGNORED, JudgingHandler
from shared import bus, topology
from shared.envelope import MAX_ENTRY_BYTES
from shared.events import DATA_MODELS, T
from shared.runtime import Service
from shared.settings import Settings

PUBLIC = (T.NOMINATION_RECORDED, T.NOMINATION_REFUSED, T.NOMINATIONS_PUBLISHED, T.WINNER_REFUSED, T.AWARDS_ANNOUNCED)
# What a tick's work depends on; the ballots' echo is not among them.
TICK_INPUTS = (topology.OUT_SUBMISSION, topology.OUT_ELIGIBILITY, topology.IN_PANEL)


def ignorable(entry: bus.Entry) -> bool:
    """An entry of a type this service accepts and drops: decided on a bare
    JSON parse, so a million vote echoes cost no validation and no row."""
    kinds = IGNORED.get(entry.stream)
    if not kinds or entry.raw is None or len(entry.raw) > MAX_ENTRY_BYTES:
        return False
    try:
        body = orjson.loads(entry.raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("type") in kinds


def looks_like_tick(entry: bus.Entry) -> bool:
    if entry.raw is None or len(entry.raw) > MAX_ENTRY_BYTES:
        return False
    try:
        body = orjson.loads(entry.raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("type") == T.CLOCK_TICK


class JudgingService(Service):
    async def process(self, entries: Sequence[bus.Entry], ack: Sequence[bus.Entry] = ()) -> None:
        kept = [e for e in entries if not ignorable(e)]
        # Only a tick waits for the inputs to drain; garbage on the clock stream goes straight to its dead letter.
        ticks = [e.entry_id for e in kept if e.stream == topology.IN_CLOCK and looks_like_tick(e)]
        if ticks:
            await self._drain_before(max(ticks, key=id_key))
        if kept or ack:
            await super().process(kept, ack)

    async def _drain_before(self, tick_entry: str) -> None:
        settings = self.settings
        # Long enough for a stuck entry to be retried to its end (dead letter).
        timeout = max(5.0, settings.reclaim_idle_ms / 1000 * (settings.max_deliveries + 1))
        behind = await drain(self.redis, self.name, TICK_INPUTS, tick_entry, timeout)
        if behind:
            self.log.warning("tick.inputs_behind", tick_entry=tick_entry, streams=behind, waited_s=timeout)


def build(settings: Settings | None = None) -> JudgingService:
    service = JudgingService("judging", JudgingHandler, settings)
    accepts = JudgingHandler.accepts

    def subscribe(stream: str, description: str) -> None:
        kinds = [(kind, DATA_MODELS[kind]) for kind in sorted(accepts[stream])]

        @service.subscriber(stream, *kinds, description=description)
        async def on_batch(msg: RedisBatchStreamMessage) -> None:
            await service.consume(stream, msg.raw_message)

    subscribe(topology.OUT_SUBMISSION, "Entries as received: titles for the nominee list")
    subscribe(topology.OUT_ELIGIBILITY, "Screened verdicts: who may be nominated")
    subscribe(topology.IN_PANEL, "The expert group's nominations, withdrawals, winners; the ceremony")
    subscribe(topology.OUT_VOTING, "The close of voting (each category's finalists); vote echoes are dropped")
    subscribe(topology.IN_CLOCK, "Ticks: the nomination window's close, the nominee list")
    service.publisher(
        topology.OUT_JUDGING,
        *[(kind, DATA_MODELS[kind]) for kind in PUBLIC],
        description="Nominations recorded or refused, the nominee list, refused winner selections, the awards",
    )
    service.publisher(
        topology.SEALED_JUDGING,
        (T.WINNER_RECORDED, DATA_MODELS[T.WINNER_RECORDED]),
        description="Recorded winners, under embargo: readable by the notify service alone",
    )
    return service


app = build().app
