"""A consumer-group loop on one stream, for the inputs the voting service
reads without FastStream's per-message machinery.

Each round: XREADGROUP a batch, hand it to `process` (which commits and
publishes), XACK the batch with one call. `process` also runs on an empty
round, so waiting work (held ballots) moves on without new input. A batch
that raises stays pending; every `reclaim_every_ms` the loop takes this
group's entries idle for `reclaim_idle_ms` (a crashed replica's, or a failed
batch's) and retries them, one by one if the batch fails again, so a poison
entry is dead-lettered after `max_deliveries` while its neighbours go on.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.voting import commands
from shared import bus, topology
from shared.logs import get_logger
from shared.settings import Settings

Process = Callable[[Sequence[bus.Entry]], Awaitable[None]]
Finish = Callable[[Awaitable[Any] | None], Awaitable[None]]
Begin = Callable[[Sequence[bus.Entry]], Awaitable[Finish]]
DEPTH = 4  # batches read and judged ahead of the one being published
log = get_logger()


class StreamLoop:
    def __init__(
        self, redis: Redis, stream: str, group: str, consumer: str, process: Process, settings: Settings, source: str,
        begin: Begin | None = None, count: int | None = None,
    ) -> None:
        self.redis, self.stream, self.group, self.consumer = redis, stream, group, consumer
        self.process, self.settings, self.source = process, settings, source
        self.count = count or settings.batch_size  # entries a read takes at most
        # With `begin`, up to DEPTH batches are in hand: the next ones are read
        # and judged while the earlier ones are stored and published; each
        # batch is acknowledged after its finishing step, and the steps
        # publish in order.
        self.begin = begin
        self._inflight: deque[asyncio.Task[None]] = deque()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._errors: dict[str, str] = {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.group}:{self.stream}")

    async def stop(self) -> None:
        """Finish the batches in hand, then stop (at most one block_ms later)."""
        self._stopping = True
        if self._task is not None:
            await self._task
        try:
            await self._settle_inflight()
        except Exception as exc:  # it stays pending; the next start or a replica retries it
            log.error("batch.failed", stream=self.stream, error=f"{type(exc).__name__}: {exc}")

    async def _run(self) -> None:
        next_reclaim = time.monotonic()
        while not self._stopping:
            try:
                await self.round()
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + self.settings.reclaim_every_ms / 1000
                    await self.reclaim()
            except Exception as exc:  # the batch stays pending; the reclaimer retries it
                await self._recover(exc)

    async def _recover(self, exc: Exception) -> None:
        try:
            if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                # The server lost its groups (flushed, restarted without data): start again.
                log.warning("group.recreated", stream=self.stream, group=self.group)
                await bus.ensure_group(self.redis, self.stream, self.group)
                return
            log.error("batch.failed", stream=self.stream, error=f"{type(exc).__name__}: {exc}")
        except Exception as again:
            log.error("batch.recovery_failed", stream=self.stream, error=f"{type(again).__name__}: {again}")
        await asyncio.sleep(min(1.0, self.settings.reclaim_every_ms / 1000))

    async def round(self) -> int:
        got = await commands.read_group(self.redis, self.stream, self.group, self.consumer, self.count, self.settings.block_ms)
        entries = [bus.Entry(self.stream, entry_id, raw) for entry_id, raw in got]
        if self.begin is None:
            await self.process(entries)
            await commands.ack(self.redis, self.stream, self.group, [e.entry_id for e in entries])
            return len(entries)
        finish = await self.begin(entries)
        before = self._inflight[-1] if self._inflight else None
        self._inflight.append(asyncio.create_task(self._complete(finish, entries, before)))
        while self._inflight and (len(self._inflight) > DEPTH or self._inflight[0].done()):
            await self._inflight.popleft()  # its failure is raised here (it stays pending)
        return len(entries)

    async def _complete(self, finish: Finish, entries: list[bus.Entry], before: asyncio.Task[None] | None) -> None:
        await finish(before)
        await commands.ack(self.redis, self.stream, self.group, [e.entry_id for e in entries])

    async def _settle_inflight(self) -> None:
        """Wait for every batch in flight; the first failure is raised here (they stay pending)."""
        tasks, self._inflight = list(self._inflight), deque()
        failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def reclaim(self) -> int:
        """Retry entries of this group left pending too long; returns how many were taken."""
        await self._settle_inflight()
        taken, start = 0, "0-0"
        while True:
            next_id, claimed, *rest = await self.redis.xautoclaim(
                self.stream, self.group, self.consumer, self.settings.reclaim_idle_ms, start_id=start, count=self.count
            )
            gone = [g.decode() for g in (rest[0] if rest else [])]
            await bus.ack(self.redis, self.stream, self.group, gone)  # trimmed away: nothing to do
            entries = bus.entries_from(self.stream, [i for i, _ in claimed], [f or {} for _, f in claimed])
            if entries:
                taken += len(entries)
                log.warning("entries.reclaimed", stream=self.stream, count=len(entries), first=entries[0].entry_id)
                await self._retry(entries)
            if next_id in (b"0-0", "0-0"):
                return taken
            start = next_id

    async def _retry(self, entries: list[bus.Entry]) -> None:
        try:
            await self.process(entries)
        except Exception:  # find the entry that fails: one by one
            for entry in entries:
                await self._retry_one(entry)
            return
        await bus.ack(self.redis, self.stream, self.group, [e.entry_id for e in entries])

    async def _retry_one(self, entry: bus.Entry) -> None:
        info = await self.redis.xpending_range(self.stream, self.group, entry.entry_id, entry.entry_id, 1)
        deliveries = info[0]["times_delivered"] if info else 1
        if deliveries > self.settings.max_deliveries:
            error = f"gave up after {deliveries - 1} deliveries: {self._errors.pop(entry.entry_id, 'failed on every delivery')}"
            letter = bus.deadletter(self.stream, entry.entry_id, error, entry.raw, self.source)
            await bus.publish_all(self.redis, [(topology.DEADLETTER, letter)], [entry], self.group)
            log.error("entry.deadlettered", stream=self.stream, entry_id=entry.entry_id, error=error)
            return
        try:
            await self.process([entry])
        except Exception as exc:  # keep it pending for the next try
            self._errors[entry.entry_id] = f"{type(exc).__name__}: {exc}"
            log.warning("entry.retry_failed", stream=self.stream, entry_id=entry.entry_id, deliveries=deliveries, error=self._errors[entry.entry_id])
            return
        self._errors.pop(entry.entry_id, None)
        await bus.ack(self.redis, self.stream, self.group, [entry.entry_id])
