"""Retries of stuck entries: the one reclaim, retry and dead-letter path of every input.

An entry stays pending when its batch raised, or when the replica that read
it died. Every `reclaim_every_ms` the reclaimer takes this group's entries
idle for `reclaim_idle_ms` (XAUTOCLAIM) and retries them: the claimed run as
one batch first (a dead replica's batch is usually fine), then, if that
fails, one by one, so a poison entry is isolated and dead-lettered after
`max_deliveries` deliveries while its neighbours go through.

Each input is reclaimed by a loop of its own. A retried entry may wait for
other inputs to be handled first (a tick for the ballots before it, an
annulment for the ballots, a nomination for the entries: `shared.drain`);
when the replica that died held both, the entries waited for must be
reclaimed while the one waiting is retried, not after it gave up waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared import bus, topology
from shared.logs import get_logger

# Applies a batch and acknowledges it (answers, dead letters and XACK in one MULTI/EXEC); raises if it failed.
Process = Callable[[Sequence[bus.Entry]], Awaitable[None]]
CLAIM_COUNT = 500
log = get_logger()


class Reclaimer:
    def __init__(
        self, redis: Redis, group: str, consumer: str, source: str, idle_ms: int, max_deliveries: int,
        process_for: Callable[[str], Process], dead_lettered: Callable[[str], None] = lambda stream: None,
    ) -> None:
        self.redis, self.group, self.consumer, self.source = redis, group, consumer, source
        self.dead_lettered = dead_lettered  # told the input of each entry given up on (the metrics)
        self.idle_ms, self.max_deliveries = idle_ms, max_deliveries
        self.process_for = process_for
        self._errors: dict[str, str] = {}  # last failure of an entry, for its dead letter

    async def forever(self, streams: Sequence[str], every_s: float) -> None:
        """Every input's loop, side by side, until cancelled; then every loop is stopped before this ends.

        Not `asyncio.gather`: cancelled, it ends as soon as one loop has, and a
        loop whose cancellation redis-py swallowed (Python 3.11, a reply landing
        with it) would go on reclaiming after its service stopped. Each loop is
        cancelled again until it is done, however often this one is.
        """
        loops = {asyncio.create_task(self._loop(stream, every_s), name=f"{self.group}-reclaim-{stream}") for stream in streams}
        try:
            await asyncio.wait(loops)  # they end only when cancelled
        finally:
            while loops:
                for loop in loops:
                    loop.cancel()
                try:
                    _, loops = await asyncio.wait(loops, timeout=0.5)
                except asyncio.CancelledError:
                    continue

    async def _loop(self, stream: str, every_s: float) -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await self.reclaim_stream(stream)
            except RedisError as exc:
                log.error("reclaim.failed", stream=stream, error=str(exc))
            except Exception as exc:  # a dead reclaimer would leave stuck work stuck for good
                log.exception("reclaim.failed", stream=stream, error=f"{type(exc).__name__}: {exc}")

    async def reclaim(self, streams: Sequence[str]) -> int:
        """Retry this group's entries that stayed pending too long, every input at once; how many were taken."""
        return sum(await asyncio.gather(*(self.reclaim_stream(stream) for stream in streams)))

    async def reclaim_stream(self, stream: str) -> int:
        """Retry this group's entries of `stream` that stayed pending too long; returns how many were taken."""
        taken = 0
        start: str | bytes = "0-0"
        while True:
            next_id, claimed, *rest = await self.redis.xautoclaim(
                stream, self.group, self.consumer, self.idle_ms, start_id=start, count=CLAIM_COUNT
            )
            gone = [g.decode() for g in (rest[0] if rest else [])]
            await bus.ack(self.redis, stream, self.group, gone)  # trimmed away: nothing to do
            entries = bus.entries_from(stream, [i for i, _ in claimed], [f or {} for _, f in claimed])
            if entries:
                taken += len(entries)
                log.warning("entries.reclaimed", stream=stream, count=len(entries), first=entries[0].entry_id)
                await self.retry(entries)
            if next_id in (b"0-0", "0-0"):
                return taken
            start = next_id

    async def retry(self, entries: Sequence[bus.Entry]) -> None:
        process = self.process_for(entries[0].stream)
        if len(entries) > 1:
            try:
                await process(entries)
                return
            except Exception as exc:  # find the entry that fails: one by one
                log.warning("batch.retry_failed", stream=entries[0].stream, count=len(entries), error=f"{type(exc).__name__}: {exc}")
        for entry in entries:
            await self._retry_one(entry, process)

    async def _retry_one(self, entry: bus.Entry, process: Process) -> None:
        info = await self.redis.xpending_range(entry.stream, self.group, entry.entry_id, entry.entry_id, 1)
        deliveries = int(info[0]["times_delivered"]) if info else 1
        bound = log.bind(stream=entry.stream, entry_id=entry.entry_id, deliveries=deliveries)
        if deliveries > self.max_deliveries:
            error = f"gave up after {deliveries - 1} deliveries: {self._errors.pop(entry.entry_id, 'failed on every delivery')}"
            letter = bus.deadletter(entry.stream, entry.entry_id, error, entry.raw, self.source)
            await bus.publish_all(self.redis, [(topology.DEADLETTER, letter)], [entry], self.group)
            bound.error("entry.deadlettered", error=error)
            self.dead_lettered(entry.stream)
            return
        try:
            await process([entry])
        except Exception as exc:  # any failure: keep it pending for the next try
            self._errors[entry.entry_id] = f"{type(exc).__name__}: {exc}"
            bound.warning("entry.retry_failed", error=self._errors[entry.entry_id])
            return
        self._errors.pop(entry.entry_id, None)
        bound.info("entry.recovered")
