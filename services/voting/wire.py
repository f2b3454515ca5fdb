"""CloudEvents in and out at hot-path speed.

`read` parses an entry with orjson and takes the fast road only when the
envelope is plainly valid; anything unusual goes to the foundation's
`parse_entry`, so whether an entry is an event or a dead letter is always
decided the same way (a property test holds the two together).
`xadd_all` writes many entries in one round trip without building a Python
command object per entry.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from redis.asyncio import Redis

from services.voting.domain import EPOCH, micros
from shared.bus import OUTBOUND_MAXLEN
from shared.envelope import ID_NAMESPACE, MAX_ENTRY_BYTES, Unreadable, parse_entry

RFC3339 = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})", re.ASCII)
OPTIONAL_TEXT = ("subject", "causationid")


@dataclass(slots=True)
class Event:
    """The attributes the voting service uses; `at` is the business time in epoch microseconds."""

    id: str
    source: str
    type: str
    at: int
    data: dict[str, Any]


def read(raw: bytes | None) -> Event | Unreadable:
    if raw is not None and len(raw) <= MAX_ENTRY_BYTES:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if type(body) is dict:
            event = _plainly_valid(body)
            if event is not None:
                return event
    parsed = parse_entry(raw)
    if isinstance(parsed, Unreadable):
        return parsed
    return Event(parsed.id, parsed.source, parsed.type, micros(parsed.time), parsed.data)


def _name(value: Any) -> bool:
    return type(value) is str and value != "" and value == value.strip()


def _plainly_valid(body: dict[str, Any]) -> Event | None:
    """The event, when every check is clear-cut; None sends it the slow, exact way."""
    event_id, source, kind, time, data = (body.get(k) for k in ("id", "source", "type", "time", "data"))
    if body.get("specversion") != "1.0" or not (_name(event_id) and _name(source) and _name(kind)):
        return None
    if type(data) is not dict or type(time) is not str or RFC3339.fullmatch(time) is None:
        return None
    if body.get("datacontenttype", "application/json") not in ("application/json", None):
        return None
    if any(body.get(key) is not None and type(body[key]) is not str for key in OPTIONAL_TEXT):
        return None
    try:
        instant = datetime.fromisoformat(time)
    except ValueError:
        return None
    return Event(event_id, source, kind, micros(instant), data)


def iso(at: int) -> str:
    """Epoch microseconds as RFC 3339 in UTC, the way shared.events.utc_iso writes them."""
    return (EPOCH + timedelta(microseconds=at)).isoformat().replace("+00:00", "Z")


def answer_id(kind: str, source: str, cause_id: str, key: str = "") -> uuid.UUID:
    """Deterministic: the same cause always gets the same answer id (CONTRACT 1)."""
    return uuid.uuid5(ID_NAMESPACE, f"{kind}|{source}|{cause_id}|{key}")


def event_bytes(event_id: str, source: str, kind: str, at: int, data: dict[str, Any], cause_id: str | None) -> bytes:
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": kind,
        "time": iso(at),
        "datacontenttype": "application/json",
        "data": data,
    }
    if cause_id is not None:
        body["causationid"] = cause_id
    return orjson.dumps(body)


def _xadd_prefix(stream: str) -> bytes:
    maxlen = str(OUTBOUND_MAXLEN).encode()
    name = stream.encode()
    args = [b"XADD", name, b"MAXLEN", b"~", maxlen, b"*", b"__data__"]
    head = b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    return b"*%d\r\n" % (len(args) + 1) + head


async def xadd_all(redis: Redis, entries: Sequence[tuple[str, bytes]]) -> None:
    """XADD every (stream, body) in order, in one round trip.

    The commands are packed by hand (redis-py builds an object per command,
    which costs more than the server's work at this rate). A failure leaves
    the connection in an unknown state, so it is dropped.
    """
    if not entries:
        return
    prefixes: dict[str, bytes] = {}
    parts: list[bytes] = []
    for stream, body in entries:
        prefix = prefixes.get(stream) or prefixes.setdefault(stream, _xadd_prefix(stream))
        parts += (prefix, b"$%d\r\n" % len(body), body, b"\r\n")
    pool = redis.connection_pool
    conn = await pool.get_connection()
    try:
        await conn.send_packed_command(b"".join(parts))
        for _ in entries:
            await conn.read_response()
    except BaseException:
        await conn.disconnect()
        raise
    finally:
        await pool.release(conn)
