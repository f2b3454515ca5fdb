"""Reading a batch of entries: passed types dropped cheaply, the rest read or dead-lettered.

Every input of every service goes through these two functions, whichever
loop reads it (a FastStream subscriber or a pipelined lane):

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
from typing import Any, Protocol, TypeVar

import orjson

from shared import bus, topology
from shared.envelope import MAX_ENTRY_BYTES, Unreadable, is_rfc3339, parse_entry
from shared.logs import get_logger

log = get_logger()
E = TypeVar("E", bound="Typed")
Dead = list[tuple[str, Any]]  # (the dead-letter stream, the letter)


class Typed(Protocol):
    @property
    def type(self) -> str: ...


def passed_cheaply(raw: bytes | None, passes: Collection[str]) -> bool:
    """A plainly well-formed CloudEvent of a passed type: acknowledged unread."""
    if not passes or raw is None or len(raw) > MAX_ENTRY_BYTES:
        return False
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    if type(body) is not dict or body.get("type") not in passes:
        return False
    if body.get("specversion") != "1.0" or type(body.get("data")) is not dict:
        return False
    texts = [body.get(name) for name in ("id", "source")]
    return all(type(text) is str and text.strip() for text in texts) and is_rfc3339(body.get("time"))


def without_passed(entries: Sequence[bus.Entry], passes: Mapping[str, Collection[str]]) -> list[bus.Entry]:
    if not passes:
        return list(entries)
    return [entry for entry in entries if not passed_cheaply(entry.raw, passes.get(entry.stream, ()))]


def read_or_deadletter(
    entries: Sequence[bus.Entry],
    accepts: Mapping[str, Collection[str]],
    source: str,
    read: Callable[[bytes | None], E | Unreadable] = parse_entry,  # type: ignore[assignment]
) -> tuple[list[tuple[bus.Entry, E]], Dead]:
    """(entry, event) of each readable entry of an accepted type; the dead letters of the others."""
    readable: list[tuple[bus.Entry, E]] = []
    dead: Dead = []
    for entry in entries:
        event = read(entry.raw)
        if not isinstance(event, Unreadable) and event.type not in accepts.get(entry.stream, ()):
            event = Unreadable(f"unknown event type {event.type!r} on {entry.stream}")
        if isinstance(event, Unreadable):
            log.warning("entry.deadlettered", stream=entry.stream, entry_id=entry.entry_id, error=event.error)
            dead.append((topology.DEADLETTER, bus.deadletter(entry.stream, entry.entry_id, event.error, entry.raw, source)))
        else:
            readable.append((entry, event))
    return readable, dead
