"""How a service runs: the FastStream app, its inputs, its effects, its retries.

A service is built from its `shared.topology.Service` spec: one subscriber
per input, one publisher per output, the types it handles and those it lets
pass. Every inbound batch goes the same way, whichever loop reads it:

1. entries of a type the input lets pass are acknowledged on a bare JSON
   parse (`shared.reading.without_passed`);
2. a batch holding a clock tick first waits until the inputs the topology
   names (`drained_before_tick`) are handled up to the tick, and any input's
   batch until those it names (`drained_first`) are handled up to it
   (`shared.drain`), then for the service's own condition (a `Gate`, released
   after 5); the inputs the topology calls `serial` go one batch at a time
   from here to 5;
3. each entry is read as a CloudEvent; an unreadable one, or one of a type
   the input does not accept, becomes a dead letter;
4. events handled before are recognised (inbox); the others go to the
   service's handler, and their effects plus their outbound events are
   committed in one transaction (outbox);
5. the outbound events, the dead letters and the XACK of the batch go out in
   one MULTI/EXEC (`shared.bus.publish_all`); then the outbox rows are
   marked published, and whatever a crash left unpublished is relayed at
   the next start.

Most inputs are read by FastStream batch subscribers. An input the topology
calls `bulk` (the voting service's ballots and members) is read by the
runtime's hot-path mode instead (`shared.lane`), with the batch handler the
service gives it (`Service.lane`: pipelined batches, group commit). Stuck
entries of either kind are retried by one reclaimer (`shared.reclaim`).

Either loop asks each XREADGROUP for as many entries as its
`shared.reading.ReadBudget` allows, so a batch holds about
`WSIS_BATCH_BYTES` whatever the entries' sizes (Redis bounds a read by count
alone). A FastStream subscriber takes its count from its `StreamSub` at each
read; `BudgetedStreamSub` lets the runtime change it between reads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, TypedDict

from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.specification import AsyncAPI
from redis.asyncio import Redis
from sqlmodel import SQLModel

from shared import __version__, bus, drain, effects, migrations, outbox, topology
from shared.contest import load_contest
from shared.context import Effects, Handler, ServiceContext, types_on
from shared.db import make_engine, service_database_url
from shared.drain import Gate, Settled
from shared.envelope import CloudEvent, typed_events
from shared.events import DATA_MODELS, Data
from shared.lane import BatchHandler, Lane
from shared.logs import configure_logging, get_logger
from shared.metrics import ServiceMetrics
from shared.reading import ReadBudget, fields_size, read_or_deadletter, without_passed
from shared.reclaim import Process, Reclaimer
from shared.settings import Settings, get_settings

# What handlers import from here, kept where they were.
__all__ = ["Effects", "Handler", "LaneSpec", "Service", "ServiceContext", "types_on"]


class _Credentials(TypedDict, total=False):
    username: str
    password: str
    socket_timeout: float


class BudgetedStreamSub(StreamSub):
    """A StreamSub whose `max_records` the runtime sets before each read.

    FastStream 0.7 reads `max_records` at each XREADGROUP from the StreamSub
    that `add_prefix` returns when the subscriber starts. That is a copy when
    the broker has a prefix; ours has none, so it is this very object and a
    count set between reads is the next read's count
    (tests/integration/test_read_budget.py checks it on a real server).
    """

    def add_prefix(self, prefix: str) -> Self:
        return self if not prefix else super().add_prefix(prefix)


@dataclass(frozen=True)
class LaneSpec:
    """An input read by the hot-path mode: its batch handler (picked from the service's handler)."""

    pick: Callable[[Any], BatchHandler]
    count: int | None = None
    depth: int = 1


class Service:
    def __init__(
        self, spec: topology.Service | str, handler_factory: Callable[[ServiceContext], Handler], settings: Settings | None = None
    ) -> None:
        self.spec = topology.SERVICES[spec] if isinstance(spec, str) else spec
        self.name = name = self.spec.name
        self.settings: Settings = settings or get_settings()
        self.consumer = bus.consumer_name(name)
        self.source = f"wsis-prizes/{name}"
        self.broker = RedisBroker(
            self.settings.bus_url(),
            message_format=bus.CloudEventFormat,
            log_level=logging.DEBUG,
            # plain named loggers: rendered by the root handler of shared.logs
            logger=logging.getLogger("wsis.faststream.broker"),
            # FastStream's parameters do not declare them, but pass them on to redis-py's
            # connection; its `security` would add a security scheme to the AsyncAPI documents.
            **self._credentials(),  # type: ignore[misc]
        )
        self.app = FastStream(
            self.broker,
            logger=logging.getLogger("wsis.faststream.app"),
            on_startup=[self._start],
            after_startup=[self._after_start],
            specification=AsyncAPI(title=f"wsis-prizes {name} service", version=__version__),
        )
        self.app.on_shutdown(self._stopping)
        # after the broker stopped: no batch is in flight when Redis and the database close
        self.app.after_shutdown(self._stop)
        self._handler_factory = handler_factory
        self.handler: Handler | None = None
        self.context: ServiceContext | None = None
        self.log = get_logger()
        self._redis: Redis | None = None
        self._reclaimer: asyncio.Task[None] | None = None
        self.lane_specs: dict[str, LaneSpec] = {}
        self.lanes: dict[str, Lane] = {}
        self.budgets: dict[str, ReadBudget] = {}  # the read budget of each FastStream subscriber
        self._before_stop: list[Callable[[], Awaitable[None]]] = []
        # The service's own conditions on an input's batches, by input stream (`shared.drain.Gate`).
        self.gates: dict[str, Gate] = {}
        self._serial = asyncio.Lock()  # the topology's `serial` inputs, one batch at a time
        self.metrics = ServiceMetrics(name)
        # Made when a start begins, set once it has ended (well or not): a stop waits for the start in progress.
        self._start_ended: asyncio.Event | None = None

    def before_stop(self, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Run `func` first on shutdown, while the database and Redis are still open.

        For a service's own background work (a sender loop) that must finish
        cleanly before its resources close.
        """
        self._before_stop.append(func)
        return func

    def _credentials(self) -> _Credentials:
        """redis-py's connection options: the service's user, and a timeout that rides out a busy moment."""
        options: _Credentials = {"socket_timeout": self.settings.redis_timeout_s}
        if self.settings.redis_password:
            options["username"], options["password"] = self.name, self.settings.redis_password
        return options

    def running(self) -> FastStream:
        """`async with service.running():` starts it and stops it (tests, embedding)."""
        return self.app

    # --- wiring, from the topology ------------------------------------------------

    def lane(self, stream: str, pick: Callable[[Any], BatchHandler], count: int | None = None, depth: int = 1) -> None:
        """Read `stream` in the hot-path mode (`shared.lane`) with the batch handler `pick(handler)`."""
        assert stream in self.spec.reads, f"{stream} is not an input of {self.name}"
        self.lane_specs[stream] = LaneSpec(pick, count, depth)

    def wire(self) -> Service:
        """A FastStream subscriber for every input that is not bulk (a bulk one has the lane the service gave it), a publisher for every output."""
        for given in self.spec.inputs:
            if given.stream in self.lane_specs:
                continue
            # A bulk input is read by the batch handler the service gives it (`lane`).
            assert not given.bulk, f"{given.stream} is read in bulk: the service gives its batch handler (Service.lane)"
            self._subscribe(given)
        for output in self.spec.outputs:
            kinds = [(kind, DATA_MODELS[kind]) for kind in output.types]
            self.publisher(output.stream, *kinds, description=topology.DECLARED[output.stream].description)
        return self

    def _subscribe(self, given: topology.Input) -> None:
        stream = given.stream

        @self.subscriber(stream, description=given.description)
        async def on_batch(entries: Any) -> None:
            await self.process(entries, ack=entries)

    def subscriber(self, stream: str, description: str = "", **options: Any) -> Callable[[Callable[..., Awaitable[None]]], Any]:
        """A batch subscriber on `stream` in this service's consumer group; the decoder gives it the batch's `bus.Entry`s.

        Each batch sets the count of the next read (`ReadBudget`): about `batch_bytes` a batch.
        """
        budget = self.budgets[stream] = ReadBudget(self.settings.batch_bytes, self.settings.batch_size)
        sub = BudgetedStreamSub(
            stream,
            group=self.name,
            consumer=self.consumer,
            batch=True,
            max_records=budget.count,
            polling_interval=self.settings.block_ms,
        )
        async def entries_of(msg: Any, _original: Callable[..., Any]) -> list[bus.Entry]:
            raw = msg.raw_message
            sub.max_records = budget.observe([fields_size(fields) for fields in raw["data"]])
            return bus.entries_from(stream, raw["message_ids"], raw["data"])

        # a StreamBatchSubscriber, which mypy cannot pick among the overloads with `options` unpacked
        subscriber: Callable[[Callable[..., Awaitable[None]]], Any] = self.broker.subscriber(
            stream=sub,
            ack_policy=AckPolicy.MANUAL,
            parser=_light_parser,
            decoder=entries_of,
            description=description,
            **{"title": stream, **options},
        )
        return subscriber

    def publisher(self, stream: str, *kinds: tuple[str, type[Data]], description: str) -> None:
        """Declare an outbound stream and its event types (for the AsyncAPI document)."""
        schema = typed_events(*kinds) if kinds else None
        self.broker.publisher(stream=stream, title=stream, description=description, schema=schema)

    @property
    def redis(self) -> Redis:
        assert self._redis is not None, "the service has not started"
        return self._redis

    # --- lifecycle -------------------------------------------------------------------

    async def _start(self) -> None:
        self._start_ended = ended = asyncio.Event()
        try:
            await self._open()
        except BaseException:
            ended.set()
            raise

    async def _open(self) -> None:
        settings = self.settings
        configure_logging(self.name, settings.log_level, settings.log_format)
        self.log = get_logger()
        contest = load_contest(settings.contest_file)
        engine = make_engine(self.name, settings.data_dir, service_database_url(self.name, settings.database_url))
        self._redis = bus.raw_group_reads(Redis.from_url(settings.bus_url(), **self._credentials()))
        self.context = ServiceContext(self.name, self.source, settings, contest, engine, self._redis, self.metrics)
        if settings.metrics:
            self.metrics.serve(settings.metrics_host, settings.metrics_port, settings.data_dir, self.consumer)
        # The store is brought up to date before the handler exists (its constructor may read it):
        # the tables are the handler class's attribute.
        tables: Sequence[type[SQLModel]] = getattr(self._handler_factory, "tables", ())
        schema = migrations.migrate(engine, self.name, [*outbox.INFRA_TABLES, *tables])
        engine.dispose()  # the handler may set up its connections (listeners): none made before it is kept
        self.handler = self._handler_factory(self.context)
        for stream in self.spec.reads:
            await bus.ensure_group(self.redis, stream, self.name)
        # Before any subscriber runs: what is unpublished now was left by a crash, not in flight.
        await self.relay_outbox()
        await effects.complete_copies(engine, self.redis, self.spec.writes)
        self.log.info("service.starting", consumer=self.consumer, contest=contest.name, db=engine.dialect.name, schema=schema.after)

    async def _after_start(self) -> None:
        try:
            await self._begin_reading()
        finally:
            assert self._start_ended is not None  # made by `_start`, which FastStream runs first
            self._start_ended.set()

    async def _begin_reading(self) -> None:
        started = getattr(self.handler, "started", None)
        if started is not None:
            await started(self.redis)
        for stream, lane in self.lane_specs.items():
            count = lane.count or self.settings.batch_size
            self.lanes[stream] = Lane(
                self.redis, stream, self.name, self.consumer, lane.pick(self.handler), self.spec.accepts, self.spec.passes,
                self.source, count, self.settings.block_ms, lane.depth, scripted=self.spec.scripts,
                batch_bytes=self.settings.batch_bytes, metrics=self.metrics,
            )
            self.lanes[stream].start()
        reclaimer = Reclaimer(
            self.redis, self.name, self.consumer, self.source, self.settings.reclaim_idle_ms, self.settings.max_deliveries,
            self._process_for, self.metrics.dead_lettered,
        )
        every = self.settings.reclaim_every_ms / 1000
        self._reclaimer = asyncio.create_task(reclaimer.forever(self.spec.reads, every), name=f"{self.name}-reclaimer")
        self.reclaimer = reclaimer
        self.metrics.reading = True
        self.metrics.watch(self.redis, self.spec.reads)
        self.log.info("service.started", inputs=sorted(self.spec.reads), metrics=self.metrics.url)

    async def _stopping(self) -> None:
        # FastStream runs the stop beside a start still in progress (a SIGTERM
        # as the service comes up): the start ends first, so no subscriber,
        # lane or reclaimer begins once the stop has passed it, and Redis is
        # not closed under a connection being made.
        if self._start_ended is not None and not self._start_ended.is_set():
            self.log.info("service.stop_waits_for_start")
            await self._start_ended.wait()
        self.metrics.reading = False  # not ready: a balancer sends no more work
        for func in self._before_stop:
            await func()
        # The batches in hand finish while Redis and the database are open; the lanes side by side,
        # each waiting at most one blocking read.
        await asyncio.gather(*(lane.stop() for lane in self.lanes.values()))
        # Cancel until it is done: on Python 3.11 a cancellation that lands
        # as a Redis reply arrives can be swallowed (asyncio.wait_for inside
        # redis-py), and one cancel() would leave the shutdown waiting forever.
        while self._reclaimer and not self._reclaimer.done():
            self._reclaimer.cancel()
            await asyncio.wait({self._reclaimer}, timeout=0.5)

    async def _stop(self) -> None:
        closed = getattr(self.handler, "closed", None)
        if closed is not None:
            closed()
        if self._redis is not None:
            await self._leave_groups()
            await self._redis.aclose()
        if self.context:
            self.context.engine.dispose()
        await self.metrics.close()
        self.log.info("service.stopped")

    async def _leave_groups(self) -> None:
        """A clean stop: this consumer leaves each group it holds nothing of (no dead consumers pile up)."""
        left = []
        for stream in self.spec.reads:
            try:
                if await bus.leave_group(self.redis, stream, self.name, self.consumer):
                    left.append(stream)
            except Exception as exc:  # the server is away: the consumer stays, harmless
                self.log.warning("group.leave_failed", stream=stream, error=type(exc).__name__)
        self.log.info("group.left", consumer=self.consumer, streams=left)

    # --- the batch path -----------------------------------------------------

    async def process(self, entries: Sequence[bus.Entry], ack: Sequence[bus.Entry] = ()) -> None:
        """Apply a batch; its answers, dead letters and the XACK of `ack` go out in one transaction."""
        stream = entries[0].stream if entries else None
        gate = self.gates.get(stream) if stream else None
        try:
            if stream in self.spec.serial:
                async with self._serial:
                    await self._process(entries, ack)
            else:
                await self._process(entries, ack)
        finally:
            if gate is not None:
                gate.release()

    async def _process(self, entries: Sequence[bus.Entry], ack: Sequence[bus.Entry]) -> None:
        started = time.perf_counter()
        kept = without_passed(entries, self.spec.passes)
        await self._drain_before_tick(kept, entries)
        await self._drain_first(kept, entries)
        readable, dead = read_or_deadletter(kept, self.spec.accepts, self.source)
        rows = self._apply(readable) if readable else []
        out = [*dead, *effects.outgoing(rows)]
        await bus.publish_all(self.redis, out, ack, self.name, scripted=self.spec.scripts)
        effects.published(self.ctx.engine, rows)
        if entries:
            stream = entries[0].stream
            self.metrics.batch_read(stream, (event.type for _, event in readable), passed=len(entries) - len(kept))
            self.metrics.batch_done(stream, time.perf_counter() - started, dead=len(dead))
            self.metrics.appended(s for s, _ in out)

    async def _drain_before_tick(self, entries: Sequence[bus.Entry], batch: Sequence[bus.Entry]) -> None:
        inputs = self.spec.drained_before_tick
        tick = drain.last_tick(entries, topology.IN_CLOCK) if inputs else None
        if tick is None:
            return
        timeout = self._drain_timeout()
        behind = await drain.drain(
            self.redis, self.name, inputs, tick, timeout, self._settled(topology.IN_CLOCK, entries), **self._in_hand(batch)
        )
        if behind:
            self.log.warning("tick.inputs_behind", tick_entry=tick, streams=behind, still_for_s=timeout)
        else:
            self.log.info("tick.inputs_drained", tick_entry=tick, streams=list(inputs))

    async def _drain_first(self, entries: Sequence[bus.Entry], batch: Sequence[bus.Entry]) -> None:
        """The inputs an input names (`topology.Input.drained_first`), handled up to its last entry of the batch."""
        for given in self.spec.inputs:
            ids = [e.entry_id for e in entries if e.stream == given.stream] if given.drained_first else []
            if not ids:
                continue
            up_to = max(ids, key=drain.id_key)
            behind = await drain.drain(
                self.redis, self.name, given.drained_first, up_to, self._drain_timeout(), self._settled(given.stream, entries),
                **self._in_hand(batch),
            )
            if behind:
                self.log.warning("input.inputs_behind", stream=given.stream, entry=up_to, streams=behind)

    def _settled(self, stream: str, batch: Sequence[bus.Entry]) -> Settled | None:
        gate = self.gates.get(stream)
        if gate is None:
            return None
        settled = gate.settled
        return lambda: settled(batch)

    def _in_hand(self, batch: Sequence[bus.Entry]) -> dict[str, Any]:
        """A batch waiting for a drain is touched a few times within the reclaimers' idle time: it is
        worked on, not stuck; no reclaimer retries it meanwhile nor counts a delivery toward its dead letter."""
        every_ms = max(self.settings.reclaim_idle_ms // 3, 1)

        async def touch() -> None:
            await bus.touch(self.redis, self.name, self.consumer, batch, every_ms // 2)

        return {"touch": touch, "touch_every": every_ms / 1000}

    def _drain_timeout(self) -> float:
        # How long an input may stay still before a batch goes on without it: long enough for a stuck entry
        # to be retried to its end (dead letter).
        return max(5.0, self.settings.reclaim_idle_ms / 1000 * (self.settings.max_deliveries + 1))

    def _apply(self, readable: Sequence[tuple[bus.Entry, CloudEvent]]) -> list[outbox.OutboxEvent]:
        return effects.apply(self.ctx.engine, self.handler_or_fail, readable)

    async def relay_outbox(self) -> None:
        """Publish what a crash left committed but unpublished."""
        await effects.relay(self.ctx.engine, self.redis)

    # --- retries of stuck entries --------------------------------------------

    def _process_for(self, stream: str) -> Process:
        lane = self.lanes.get(stream)
        if lane is not None:
            return lane.process
        return lambda entries: self.process(entries, ack=entries)

    async def reclaim(self) -> int:
        """Retry this group's entries that stayed pending too long; returns how many were taken."""
        return await self.reclaimer.reclaim(self.spec.reads)

    # --- helpers for handlers -------------------------------------------------

    @property
    def ctx(self) -> ServiceContext:
        assert self.context is not None, "the service has not started"
        return self.context

    @property
    def handler_or_fail(self) -> Handler:
        assert self.handler is not None, "the service has not started"
        return self.handler


async def _light_parser(message: Mapping[str, Any], original: Callable[..., Awaitable[Any]]) -> Any:
    """FastStream's batch parser without its JSON round trip of every entry.

    The decoder hands the subscriber the raw entries (`bus.Entry`); reading
    them is the runtime's job (`shared.reading`), once.
    """
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed
