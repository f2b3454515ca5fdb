"""The hot-path mode of the runtime: pipelined batches on one input, FastStream bypassed.

This is the one place the runtime reads without FastStream. At a million
ballots FastStream's per-message work (a message object, a decoder call, an
acknowledgement per entry) costs more than deciding them, so a lane reads
its stream with XREADGROUP itself, by batches of up to `count` entries and
about `batch_bytes` bytes (`shared.reading.ReadBudget`).

Each batch goes the runtime's way: passed types dropped cheaply, entries
read or dead-lettered (`shared.reading`), the batch handed to the handler's
`begin`, which decides it now and queues its storing (group commit); up to
`depth` batches are in hand, so the next ones are read and decided while the
earlier ones are stored. Each batch then finishes in order: its answers, its
dead letters and the XACK of its entries go out in one MULTI/EXEC
(`shared.bus.publish_all`), then the handler hears that they are published.
A batch that raises stays pending; the runtime's reclaimer retries it
(`shared.reclaim`) through `process`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared import bus
from shared.envelope import Unreadable
from shared.logs import get_logger
from shared.metrics import ServiceMetrics
from shared.reading import (
    Dead,
    ReadBudget,
    read_or_deadletter,
    sizes_of,
    without_passed,
)
from shared.settings import DEFAULT_BATCH_BYTES

log = get_logger()


class Committed(NamedTuple):
    """A batch stored: what to publish, what to do once it is published, what to log."""

    answers: list[tuple[str, bytes]]
    published: Callable[[], Awaitable[None]] | None = None
    counts: Mapping[str, int] = MappingProxyType({})


class BatchHandler(Protocol):
    """A lane's handler: decides a whole batch and stores it in one transaction.

    `begin` runs on the read loop, batch after batch in order: it decides the
    batch and queues its storing; the awaitable it returns is the batch once
    stored (committed). `batch_event` names the log line of each batch.
    """

    batch_event: str

    def read(self, raw: bytes | None) -> Any | Unreadable: ...

    async def begin(self, readable: list[tuple[bus.Entry, Any]]) -> Awaitable[Committed]: ...


class Lane:
    def __init__(
        self, redis: Redis, stream: str, group: str, consumer: str, handler: BatchHandler,
        accepts: Mapping[str, Collection[str]], passes: Mapping[str, Collection[str]], source: str,
        count: int, block_ms: int, depth: int = 1, scripted: bool = False, batch_bytes: int = DEFAULT_BATCH_BYTES,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.redis, self.stream, self.group, self.consumer = redis, stream, group, consumer
        self.handler, self.accepts, self.passes, self.source = handler, accepts, passes, source
        self.count, self.block_ms, self.depth, self.scripted = count, block_ms, depth, scripted
        self.budget = ReadBudget(batch_bytes, count)
        self.metrics = metrics or ServiceMetrics(group)
        self._inflight: deque[asyncio.Task[None]] = deque()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.group}:{self.stream}")

    async def stop(self) -> None:
        """Finish the batches in hand, then stop (at most one block_ms later)."""
        self._stopping = True
        if self._task is not None:
            await self._task
        try:
            await self.settle()
        except Exception as exc:  # it stays pending; the next start or a replica retries it
            log.error("batch.failed", stream=self.stream, error=f"{type(exc).__name__}: {exc}")

    async def _run(self) -> None:
        while not self._stopping:
            try:
                # No name for the batch here: it must not stay alive through the next read.
                await self._submit(await self._read())
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
        await asyncio.sleep(0.5)

    async def _read(self) -> list[bus.Entry]:
        count = self.budget.count
        entries = await bus.read_group(self.redis, self.stream, self.group, self.consumer, count, self.block_ms)
        self.budget.observe(sizes_of(entries))
        return entries

    async def _submit(self, entries: list[bus.Entry]) -> None:
        """Begin a batch (an empty one too: waiting work moves on without new input) and queue its finish."""
        committed, acks = await self._begin(entries)
        del entries  # what is left to do needs the ids alone (`acks`): the batch's text may go
        before = self._inflight[-1] if self._inflight else None
        self._inflight.append(asyncio.create_task(self._finish(committed, acks, before)))
        while self._inflight and (len(self._inflight) > self.depth or self._inflight[0].done()):
            await self._inflight.popleft()  # its failure is raised here (it stays pending)

    async def _begin(self, entries: Sequence[bus.Entry]) -> tuple[Awaitable[tuple[Committed, Dead]], Sequence[bus.Entry]]:
        """The batch decided and its storing queued; and the entries to acknowledge once it is published."""
        started = time.perf_counter()
        kept = without_passed(entries, self.passes) if self.passes.get(self.stream) else entries
        readable, dead = read_or_deadletter(kept, self.accepts, self.source, self.handler.read)
        stored = await self.handler.begin(readable)
        size, ids = len(entries), {"first": entries[0].entry_id, "last": entries[-1].entry_id} if entries else {}
        # The acknowledgement needs ids alone: the text of a dead-lettered or passed entry (up to the
        # server's limit each) is let go now rather than held through the batch's storing.
        acks = entries if len(readable) == size else [bus.Entry(e.stream, e.entry_id, None) for e in entries]

        types = list(map(attrgetter("type"), map(itemgetter(1), readable)))

        async def committed() -> tuple[Committed, Dead]:
            done = await stored
            if size or done.answers:
                seconds = time.perf_counter() - started
                log.info(self.handler.batch_event, stream=self.stream, entries=size, dead=len(dead), **done.counts, **ids,
                         ms=round(seconds * 1000, 1))
                self.metrics.batch_read(self.stream, types, passed=size - len(kept))
                self.metrics.batch_done(self.stream, seconds, dead=len(dead), outcomes=done.counts)
            return done, dead

        return committed(), acks

    async def _finish(self, committed: Awaitable[tuple[Committed, Dead]], entries: Sequence[bus.Entry], before: asyncio.Task[None] | None) -> None:
        done, dead = await committed
        if before is not None:
            await asyncio.wait([before])  # in order; its failure is its own
        out = [*dead, *done.answers]
        await bus.publish_all(self.redis, out, entries, self.group, scripted=self.scripted)
        self.metrics.appended(map(itemgetter(0), out))
        if done.published is not None:
            await done.published()

    async def settle(self) -> None:
        """Wait for every batch in hand; the first failure is raised here (they stay pending)."""
        tasks, self._inflight = list(self._inflight), deque()
        failures = [r for r in await asyncio.gather(*tasks, return_exceptions=True) if isinstance(r, BaseException)]
        if failures:
            raise failures[0]

    async def process(self, entries: Sequence[bus.Entry]) -> None:
        """One batch from begin to acknowledgement (the reclaimer's retries); raises if it failed."""
        committed, acks = await self._begin(entries)
        await self._finish(committed, acks, None)
