"""Reading a batch of entries: how many to ask for, passed types dropped cheaply, the rest read or dead-lettered.

Every input of every service goes through these, whichever loop reads it (a
FastStream subscriber or a pipelined lane):

* `ReadBudget` says how many entries the next XREADGROUP may ask for, so a
  batch holds about `WSIS_BATCH_BYTES` (Redis bounds a read by count only).

* `without_passed` drops the entries of a type the input lets pass
  (`shared.topology.Input.passes`) on a bare JSON parse: no validation, no
  inbox row, no transaction. A million vote echoes would otherwise cost a
  contest. Anything doubtful is kept and takes the full path (and is
  dead-lettered there if it must be).
* `read_or_deadletter` reads each entry as an event with the input's reader
  and turns an unreadable one, or one of a type the input does not accept,
  into its dead letter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol, TypeVar, overload

import orjson

from shared import bus, topology
from shared.envelope import MAX_ENTRY_BYTES, RFC3339, CloudEvent, Unreadable, parse_entry
from shared.logs import get_logger

log = get_logger()
E = TypeVar("E", bound="Typed")
Dead = list[tuple[str, Any]]  # (the dead-letter stream, the letter)


# What an entry costs besides its `__data__` (its id, field name, the reply's framing).
ENTRY_OVERHEAD = 64


class ReadBudget:
    """The count of a consumer's next read, adapted to the sizes of the entries it reads.

    The first read assumes entries of the contract's largest size, so
    `budget // MAX_ENTRY_BYTES` of them. After each read the count is at
    most `budget // largest`, where `largest` is the largest entry read
    lately (it halves with each batch that has nothing as big, so a run of
    small entries earns its count back slowly); it doubles after a full
    batch of entries that fit, up to `most`. So a batch holds about
    `budget` bytes, or one entry when a single one is larger; only a
    sudden switch from a long run of small entries to big ones can make one
    batch larger (count entries at their size), and the next read shrinks.
    """

    def __init__(self, budget: int, most: int) -> None:
        self.budget, self.most = budget, most
        self.largest = MAX_ENTRY_BYTES
        self.count = self._fit(most)

    def _fit(self, wanted: int) -> int:
        return max(1, min(wanted, self.most, self.budget // max(self.largest, 1)))

    def observe(self, sizes: Sequence[int]) -> int:
        """Learn from a batch of entries of these sizes (in bytes); returns the next count."""
        if not sizes:
            return self.count
        self.largest = max(max(sizes), self.largest // 2, ENTRY_OVERHEAD)
        self.count = self._fit(self.count * 2 if len(sizes) >= self.count else self.count)
        return self.count


def sizes_of(entries: Sequence[bus.Entry]) -> list[int]:
    """The sizes of entries read by `bus.read_group` (which keeps `__data__` alone)."""
    return [ENTRY_OVERHEAD + len(entry.raw or b"") for entry in entries]


def fields_size(fields: Mapping[bytes, bytes]) -> int:
    """The size of an entry as read, every field counted."""
    return ENTRY_OVERHEAD + sum(len(name) + len(value) for name, value in fields.items())


class Typed(Protocol):
    @property
    def type(self) -> str: ...


def passed_cheaply(raw: bytes | None, passes: Collection[str]) -> bool:
    """A plainly well-formed CloudEvent of a passed type: acknowledged unread."""
    if not passes or raw is None or len(raw) > MAX_ENTRY_BYTES:
        return False
    return _plainly_passed(raw, passes)


def _plainly_passed(raw: bytes, passes: Collection[str]) -> bool:
    """`passed_cheaply` once the entry's size is known to be within the contract's."""
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    if type(body) is not dict:
        return False
    get = body.get
    kind = get("type")
    if type(kind) is not str or kind not in passes or get("specversion") != "1.0" or type(get("data")) is not dict:
        return False
    event_id, source, time = get("id"), get("source"), get("time")
    return (type(event_id) is str and type(source) is str and type(time) is str
            and event_id.strip() != "" and source.strip() != "" and RFC3339.fullmatch(time) is not None)  # fmt: skip


def without_passed(entries: Sequence[bus.Entry], passes: Mapping[str, Collection[str]]) -> list[bus.Entry]:
    """The entries left once those of a passed type are dropped (`passed_cheaply`)."""
    if not passes:
        return list(entries)
    kept: list[bus.Entry] = []
    # the entries of a batch are of one stream: its passed types looked up once
    stream: str | None = None
    passed: Collection[str] = ()
    for entry in entries:
        if entry.stream != stream:
            stream, passed = entry.stream, passes.get(entry.stream, ())
        raw = entry.raw
        if not passed or raw is None or len(raw) > MAX_ENTRY_BYTES or not _plainly_passed(raw, passed):
            kept.append(entry)
    return kept


@overload
def read_or_deadletter(
    entries: Sequence[bus.Entry], accepts: Mapping[str, Collection[str]], source: str
) -> tuple[list[tuple[bus.Entry, CloudEvent]], Dead]: ...
@overload
def read_or_deadletter(
    entries: Sequence[bus.Entry], accepts: Mapping[str, Collection[str]], source: str, read: Callable[[bytes | None], E | Unreadable]
) -> tuple[list[tuple[bus.Entry, E]], Dead]: ...
def read_or_deadletter(
    entries: Sequence[bus.Entry],
    accepts: Mapping[str, Collection[str]],
    source: str,
    read: Callable[[bytes | None], Typed | Unreadable] = parse_entry,
) -> tuple[list[tuple[bus.Entry, Any]], Dead]:
    """(entry, event) of each readable entry of an accepted type; the dead letters of the others."""
    readable: list[tuple[bus.Entry, Any]] = []
    dead: Dead = []
    keep = readable.append
    for entry in entries:
        event = read(entry.raw)
        if not isinstance(event, Unreadable):
            if event.type in accepts.get(entry.stream, ()):
                keep((entry, event))
                continue
            event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
        log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
        dead.append((topology.DEADLETTER, bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, source)))
    return readable, dead
