"""How a service runs: the FastStream app, its batches, its effects, its retries.

Every inbound batch goes the same way:

1. each entry is read as a CloudEvent; an unreadable one, or one of a type
   the stream does not carry, becomes a dead letter;
2. events handled before are recognised (inbox); the others go to the
   service's handler, and their effects plus their outbound events are
   committed in one transaction;
3. the outbound events and dead letters are published through one pipeline;
4. the whole batch is acknowledged with one XACK.

A batch that raises stays pending. The reclaimer takes pending entries idle
for `reclaim_idle_ms` (a crashed replica's, or a failed batch's) and retries
them one by one, so a poison entry is isolated and dead-lettered after
`max_deliveries` deliveries while its neighbours go through.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from faststream import AckPolicy, FastStream
from faststream.redis import RedisBroker, StreamSub
from faststream.specification import AsyncAPI
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel
from structlog.contextvars import bound_contextvars

from shared import __version__, bus, outbox, topology
from shared.contest import Contest, load_contest
from shared.db import create_tables, make_engine
from shared.envelope import CloudEvent, Unreadable, parse_entry, typed_events
from shared.events import Data
from shared.logs import configure_logging, get_logger
from shared.settings import Settings, get_settings

Effects = list[tuple[str, CloudEvent]]


class Handler(Protocol):
    """A service's decisions: one inbound event in, its outbound events out.

    `handle` runs inside the batch's transaction; it stores its effects in
    `session` and returns what to publish.
    """

    tables: Sequence[type[SQLModel]]
    accepts: Mapping[str, frozenset[str]]

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects: ...


class Service:
    def __init__(
        self, name: str, handler_factory: Callable[[ServiceContext], Handler], settings: Settings | None = None
    ) -> None:
        self.name = name
        self.settings: Settings = settings or get_settings()
        self.consumer = bus.consumer_name(name)
        self.source = f"wsis-prizes/{name}"
        self.broker = RedisBroker(
            self.settings.bus_url(),
            message_format=bus.CloudEventFormat,
            log_level=logging.DEBUG,
            # plain named loggers: rendered by the root handler of shared.logs
            logger=logging.getLogger("wsis.faststream.broker"),
            **self._credentials(),
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
        self._errors: dict[str, str] = {}
        self.inbound_docs: dict[str, Any] = {}
        self._before_stop: list[Callable[[], Awaitable[None]]] = []

    def before_stop(self, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Run `func` first on shutdown, while the database and Redis are still open.

        For a service's own background work (a sender loop) that must finish
        cleanly before its resources close.
        """
        self._before_stop.append(func)
        return func

    def _credentials(self) -> dict[str, str]:
        if self.settings.redis_password:
            return {"username": self.name, "password": self.settings.redis_password}
        return {}

    def running(self) -> FastStream:
        """`async with service.running():` starts it and stops it (tests, embedding)."""
        return self.app

    # --- wiring -------------------------------------------------------------

    def subscriber(
        self, stream: str, *kinds: tuple[str, type[Data]], description: str = "", **options: Any
    ) -> Callable[[Callable[..., Awaitable[None]]], Any]:
        """A batch subscriber on `stream` in this service's consumer group.

        `kinds` are the event types the stream carries, for the AsyncAPI
        document; the handler itself reads the raw entries.
        """
        sub = StreamSub(
            stream,
            group=self.name,
            consumer=self.consumer,
            batch=True,
            max_records=self.settings.batch_size,
            polling_interval=self.settings.block_ms,
        )
        if kinds:
            self.inbound_docs[stream] = typed_events(*kinds)
        return self.broker.subscriber(
            stream=sub,
            ack_policy=AckPolicy.MANUAL,
            parser=_light_parser,
            decoder=_raw_entries,
            description=description,
            **{"title": stream, **options},
        )

    def publisher(self, stream: str, *kinds: tuple[str, type[Data]], description: str) -> None:
        """Declare an outbound stream and its event types (for the AsyncAPI document)."""
        schema = typed_events(*kinds) if kinds else None
        self.broker.publisher(stream, title=stream, description=description, schema=schema)

    @property
    def redis(self) -> Redis:
        assert self._redis is not None, "the service has not started"
        return self._redis

    async def _start(self) -> None:
        settings = self.settings
        configure_logging(self.name, settings.log_level, settings.log_format)
        self.log = get_logger()
        contest = load_contest(settings.contest_file)
        engine = make_engine(self.name, settings.data_dir, settings.database_url)
        self.context = ServiceContext(self.name, self.source, settings, contest, engine)
        self.handler = self._handler_factory(self.context)
        create_tables(engine, [*outbox.INFRA_TABLES, *self.handler.tables])
        self._redis = Redis.from_url(settings.bus_url(), **self._credentials())
        for stream in self.handler.accepts:
            await bus.ensure_group(self.redis, stream, self.name)
        self.log.info("service.starting", consumer=self.consumer, contest=contest.name, db=engine.dialect.name)

    async def _after_start(self) -> None:
        await self.relay_outbox()
        self._reclaimer = asyncio.create_task(self._reclaim_forever(), name=f"{self.name}-reclaimer")
        self.log.info("service.started", inputs=sorted(self.handler.accepts) if self.handler else [])

    async def _stopping(self) -> None:
        for func in self._before_stop:
            await func()
        # Cancel until it is done: on Python 3.11 a cancellation that lands
        # as a Redis reply arrives can be swallowed (asyncio.wait_for inside
        # redis-py), and one cancel() would leave the shutdown waiting forever.
        while self._reclaimer and not self._reclaimer.done():
            self._reclaimer.cancel()
            await asyncio.wait({self._reclaimer}, timeout=0.5)

    async def _stop(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
        if self.context:
            self.context.engine.dispose()
        self.log.info("service.stopped")

    # --- the batch path -----------------------------------------------------

    async def consume(self, stream: str, raw_message: Mapping[str, Any]) -> None:
        entries = bus.entries_from(stream, raw_message["message_ids"], raw_message["data"])
        await self.process(entries, ack=entries)

    async def process(self, entries: Sequence[bus.Entry], ack: Sequence[bus.Entry] = ()) -> None:
        """Apply a batch; its answers, dead letters and the XACK of `ack` go out in one transaction."""
        readable, dead = self._read(entries)
        rows = self._apply(readable) if readable else []
        await bus.publish_all(self.redis, [*dead, *((r.stream, r.body) for r in rows)], ack, self.name)
        if rows:
            with Session(self.ctx.engine) as session:
                outbox.mark_published(session, [r.seq for r in rows if r.seq is not None])
                session.commit()

    def _read(self, entries: Sequence[bus.Entry]) -> tuple[list[tuple[bus.Entry, CloudEvent]], list[tuple[str, CloudEvent]]]:
        accepts = self.handler_or_fail.accepts
        readable: list[tuple[bus.Entry, CloudEvent]] = []
        dead: list[tuple[str, CloudEvent]] = []
        for entry in entries:
            event = parse_entry(entry.raw)
            if isinstance(event, CloudEvent) and event.type not in accepts.get(entry.stream, ()):
                event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
            if isinstance(event, Unreadable):
                self.log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
                dead.append((topology.DEADLETTER, bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, self.source)))
            else:
                readable.append((entry, event))
        return readable, dead

    def _apply(self, readable: Sequence[tuple[bus.Entry, CloudEvent]]) -> list[outbox.OutboxEvent]:
        handler = self.handler_or_fail
        with Session(self.ctx.engine, expire_on_commit=False) as session:
            keys = [outbox.event_key(event) for _, event in readable]
            seen = outbox.seen_keys(session, keys)
            rows = outbox.pending_for(session, sorted(seen))
            for (entry, event), key in zip(readable, keys, strict=True):
                if key in seen:
                    self.log.info("event.repeat", stream=entry.stream, event_id=event.id, type=event.type)
                    continue
                seen.add(key)
                # Every line the handler logs for this event carries its ids (structlog's contextvars).
                with bound_contextvars(stream=entry.stream, event_id=event.id, causation_id=event.causationid, type=event.type):
                    effects = handler.handle(session, entry.stream, event)
                rows.extend(outbox.record(session, event, entry.stream, effects))
            session.commit()
        return rows

    async def relay_outbox(self) -> None:
        """Publish what a crash left committed but unpublished."""
        while True:
            with Session(self.ctx.engine) as session:
                rows = outbox.unpublished(session)
                if not rows:
                    return
                await bus.publish_all(self.redis, [(r.stream, r.body) for r in rows])
                outbox.mark_published(session, [r.seq for r in rows if r.seq is not None])
                session.commit()
                self.log.info("outbox.relayed", count=len(rows))

    # --- retries of stuck entries --------------------------------------------

    async def _reclaim_forever(self) -> None:
        every = self.settings.reclaim_every_ms / 1000
        while True:
            await asyncio.sleep(every)
            try:
                await self.reclaim()
            except RedisError as exc:
                self.log.error("reclaim.failed", error=str(exc))
            except Exception as exc:  # a dead reclaimer would leave stuck work stuck for good
                self.log.exception("reclaim.failed", error=f"{type(exc).__name__}: {exc}")

    async def reclaim(self) -> int:
        """Retry this group's entries that stayed pending too long; returns how many were taken."""
        taken = 0
        for stream in self.handler_or_fail.accepts:
            start: str | bytes = "0-0"
            while True:
                next_id, claimed, *rest = await self.redis.xautoclaim(
                    stream, self.name, self.consumer, self.settings.reclaim_idle_ms, start_id=start, count=100
                )
                gone = rest[0] if rest else []
                if gone:
                    await bus.ack(self.redis, stream, self.name, [g.decode() for g in gone])
                for entry_id, fields in claimed:
                    taken += 1
                    await self._retry(bus.entries_from(stream, [entry_id], [fields or {}])[0])
                if next_id in (b"0-0", "0-0"):
                    break
                start = next_id
        return taken

    async def _retry(self, entry: bus.Entry) -> None:
        info = await self.redis.xpending_range(entry.stream, self.name, entry.entry_id, entry.entry_id, 1)
        deliveries = info[0]["times_delivered"] if info else 1
        log = self.log.bind(stream=entry.stream, entry_id=entry.entry_id, deliveries=deliveries)
        if deliveries > self.settings.max_deliveries:
            error = self._errors.pop(entry.entry_id, "failed on every delivery")
            error = f"gave up after {deliveries - 1} deliveries: {error}"
            letter = bus.deadletter(entry.stream, entry.entry_id, error, entry.raw, self.source)
            await bus.publish_all(self.redis, [(topology.DEADLETTER, letter)], [entry], self.name)
            log.error("entry.deadlettered", error=error)
            return
        try:
            await self.process([entry], ack=[entry])
        except Exception as exc:  # any failure: keep it pending for the next try
            self._errors[entry.entry_id] = f"{type(exc).__name__}: {exc}"
            log.warning("entry.retry_failed", error=self._errors[entry.entry_id])
            return
        self._errors.pop(entry.entry_id, None)
        log.info("entry.recovered")

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

    The handler reads the raw entries (`msg.raw_message`); parsing them is
    the service's job (`shared.envelope.parse_entry`), once.
    """
    parsed = await original({**message, "data": []})
    parsed.raw_message = message
    return parsed


async def _raw_entries(msg: Any, _original: Callable[..., Any]) -> Any:
    return msg.raw_message["data"]


class ServiceContext:
    """What a handler may use: its settings, the contest, its database."""

    def __init__(self, name: str, source: str, settings: Settings, contest: Contest, engine: Engine) -> None:
        self.name = name
        self.source = source
        self.settings = settings
        self.contest = contest
        self.engine = engine

    def in_future(self, instant: datetime, now: datetime | None = None) -> bool:
        """CONTRACT 2: on the wall clock, an event stamped too far ahead is refused."""
        if self.settings.replay:
            return False
        now = now or datetime.now(timezone.utc)
        return instant - now > timedelta(seconds=self.settings.future_tolerance_seconds)


def types_on(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    return {stream: frozenset(kinds) for stream, kinds in pairs}
