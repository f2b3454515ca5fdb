"""What staff look at and repair: stream and group state, dead letters.

Reads the bus only (never a service's tables), so it works against any
deployment: `wsis status`, `wsis deadletter list|show|replay`.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import redis

from shared import topology
from shared.bus import DATA_FIELD

REPLAYED = topology.DEADLETTER_REPLAYED  # hash: dead letter entry id -> new entry id


# The clients here do not decode replies: entry ids and fields are bytes.
BytesEntries = list[tuple[bytes, dict[bytes, bytes]]]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _age_ms(entry_id: str, now_ms: int) -> int:
    return max(0, now_ms - int(entry_id.split("-")[0]))


@dataclass
class ConsumerState:
    name: str
    pending: int
    idle_ms: int
    alive: bool


@dataclass
class GroupState:
    name: str
    lag: int | None
    pending: int
    oldest_pending_idle_ms: int | None
    consumers: list[ConsumerState] = field(default_factory=list)


@dataclass
class StreamState:
    stream: str
    length: int
    groups: list[GroupState] = field(default_factory=list)


ALIVE_IDLE_MS = 30_000


def stream_states(client: redis.Redis) -> list[StreamState]:
    states = []
    for stream in topology.ALL:
        if not client.exists(stream):
            states.append(StreamState(stream, 0))
            continue
        state = StreamState(stream, client.xlen(stream))
        for group in client.xinfo_groups(stream):
            name = _text(group["name"])
            oldest = None
            if group["pending"]:
                first = client.xpending_range(stream, name, "-", "+", 1)
                oldest = int(first[0]["time_since_delivered"]) if first else None
            consumers = [
                ConsumerState(_text(c["name"]), c["pending"], c["idle"], c["idle"] < ALIVE_IDLE_MS)
                for c in client.xinfo_consumers(stream, name)
            ]
            state.groups.append(GroupState(name, group.get("lag"), group["pending"], oldest, consumers))
        states.append(state)
    return states



@dataclass(frozen=True)
class RetiredGroup:
    stream: str
    group: str
    pending: int
    lag: int | None


def retire_stale_groups(client: redis.Redis) -> list[RetiredGroup]:
    """Destroy the consumer groups an earlier release's topology left behind (`topology.stale_groups`):
    nothing reads them any more, their pending entries are never acknowledged and their lag only grows."""
    retired = []
    for stream in topology.ALL:
        if not client.exists(stream):
            continue
        groups = {_text(g["name"]): g for g in client.xinfo_groups(stream)}
        for name in topology.stale_groups(stream, groups):
            client.xgroup_destroy(stream, name)
            retired.append(RetiredGroup(stream, name, groups[name]["pending"], groups[name].get("lag")))
    return retired

@dataclass
class DeadLetterView:
    entry_id: str
    age_ms: int
    service: str
    stream: str
    original_entry_id: str
    error: str
    replayed_as: str | None
    raw: str


def dead_letters(client: redis.Redis, count: int | None = None) -> list[DeadLetterView]:
    now_ms = int(time.time() * 1000)
    replayed = {_text(k): _text(v) for k, v in client.hgetall(REPLAYED).items()}
    views = []
    entries = cast(BytesEntries, client.xrevrange(topology.DEADLETTER, count=count) if count else client.xrange(topology.DEADLETTER))
    for raw_id, fields in entries:
        entry_id = _text(raw_id)
        try:
            event = json.loads(fields[DATA_FIELD])
            data = event.get("data", {})
            service = _text(event.get("source", "?")).rsplit("/", 1)[-1]
        except (KeyError, ValueError):
            data, service = {}, "?"
        views.append(
            DeadLetterView(
                entry_id=entry_id,
                age_ms=_age_ms(entry_id, now_ms),
                service=service,
                stream=data.get("stream", "?"),
                original_entry_id=data.get("entry_id", "?"),
                error=data.get("error", "?"),
                replayed_as=replayed.get(entry_id),
                raw=data.get("raw", ""),
            )
        )
    return views


def dead_letter_summary(views: list[DeadLetterView]) -> Counter[tuple[str, str]]:
    """Dead letters by service and kind of error (the error's text up to its first colon)."""
    return Counter((v.service, v.error.split(":", 1)[0]) for v in views)


class ReplayError(Exception):
    pass


SOURCE_PREFIX = "wsis-prizes/"  # a service's CloudEvent source (shared/runtime.py)


def replay(client: redis.Redis, dead_letter_id: str, *, force: bool = False) -> str:
    """Put a dead letter's original entry back on its stream; returns the new entry id.

    Any service may append to the dead letter stream, so a letter is a claim,
    and staff's rights must not carry out a forged one: only a letter written
    by a service that reads the stream it names is replayed (`vetted`), to
    that stream alone, and only the original entry as that stream still holds
    it, never the letter's own copy (`raw`, which says whatever its writer
    wrote). A replayed letter is not replayed twice unless forced.
    """
    found = cast(BytesEntries, client.xrange(topology.DEADLETTER, dead_letter_id, dead_letter_id))
    if not found:
        raise ReplayError(f"no dead letter {dead_letter_id}")
    already = client.hget(REPLAYED, dead_letter_id)
    if already and not force:
        raise ReplayError(f"dead letter {dead_letter_id} was replayed as {_text(already)}; use --force to replay it again")
    stream, original_id = vetted(dead_letter_id, found[0][1].get(DATA_FIELD))
    original = cast(BytesEntries, client.xrange(stream, original_id, original_id)) if ENTRY_ID.fullmatch(original_id) else []
    body = original[0][1].get(DATA_FIELD) if original else None
    if body is None:
        raise ReplayError(f"dead letter {dead_letter_id}: {stream} holds no entry {original_id!r} (gone, or never there); not replayed")
    new_id = _text(client.xadd(stream, {DATA_FIELD: body}))
    client.hset(REPLAYED, dead_letter_id, new_id)
    return new_id


SOURCE_PREFIX = "wsis-prizes/"  # a service's CloudEvent source (shared/runtime.py)
ENTRY_ID = re.compile(r"[0-9]+-[0-9]+")


def vetted(dead_letter_id: str, body: bytes | None) -> tuple[str, str]:
    """The letter's stream and original entry id, if a service that reads that stream wrote it.

    `ReplayError` with a one-line reason otherwise.
    """
    try:
        letter = json.loads(body or b"")
        source, stream, original_id = str(letter["source"]), str(letter["data"]["stream"]), str(letter["data"]["entry_id"])
    except (ValueError, KeyError, TypeError):
        raise ReplayError(f"dead letter {dead_letter_id} is not a readable wsis.deadletter; not replayed") from None
    service = topology.SERVICES.get(source.removeprefix(SOURCE_PREFIX)) if source.startswith(SOURCE_PREFIX) else None
    if service is None:
        raise ReplayError(f"dead letter {dead_letter_id} comes from {source!r}, not from a service; not replayed")
    if stream not in service.reads:
        raise ReplayError(f"dead letter {dead_letter_id} from {service.name} names {stream}, which {service.name} does not read; not replayed")
    return stream, original_id


def as_json(items: list[Any]) -> str:
    return json.dumps([asdict(i) for i in items], indent=2)
