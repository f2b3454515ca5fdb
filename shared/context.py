"""What a service's handler is, and what it may use."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from shared.contest import Contest
from shared.envelope import CloudEvent
from shared.metrics import ServiceMetrics
from shared.settings import Settings

Effects = list[tuple[str, CloudEvent]]


class Handler(Protocol):
    """A service's decisions: one inbound event in, its outbound events out.

    `handle` runs inside the batch's transaction; it stores its effects in
    `session` and returns what to publish. A handler may also have
    `async def started(self, redis)` (run once the service is up, before its
    lanes read) and `def closed(self)` (run after the lanes stopped, before
    Redis and the database close); the runtime calls them when present.
    """

    @property
    def tables(self) -> Sequence[type[SQLModel]]: ...  # a class attribute will do

    def handle(self, session: Session, stream: str, event: CloudEvent) -> Effects: ...


class ServiceContext:
    """What a handler may use: its settings, the contest, its database."""

    def __init__(
        self, name: str, source: str, settings: Settings, contest: Contest, engine: Engine, redis: Redis | None = None,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.name = name
        self.metrics = metrics or ServiceMetrics(name)  # counters a handler adds to (shared.metrics)
        self.redis = redis
        self.source = source
        self.settings = settings
        self.contest = contest
        self.engine = engine

    def in_future(self, instant: datetime, now: datetime | None = None) -> bool:
        """CONTRACT 2: on the wall clock, an event stamped too far ahead is refused."""
        if self.settings.replay:
            return False
        now = now or datetime.now(UTC)
        return instant - now > timedelta(seconds=self.settings.future_tolerance_seconds)


def types_on(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, frozenset[str]]:
    return {stream: frozenset(kinds) for stream, kinds in pairs}
