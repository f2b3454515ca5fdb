"""CloudEvents in and out at hot-path speed.

`read` parses an entry with orjson and takes the fast road only when the
envelope is plainly valid; anything unusual goes to the foundation's
`parse_entry`, so whether an entry is an event or a dead letter is always
decided the same way (a property test holds the two together).
`xadd_all` writes a batch of entries with one command.
"""

from __future__ import annotations

import re
from hashlib import sha1
from time import gmtime, strftime
from collections.abc import Sequence
from itertools import groupby
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.exceptions import ConnectionError, NoScriptError, TimeoutError

from services.voting.domain import EPOCH, MICROSECOND, micros
from shared import streams
from shared.bus import OUTBOUND_MAXLEN
from shared.envelope import ID_NAMESPACE, MAX_ENTRY_BYTES, Unreadable, parse_entry

NAMESPACE = ID_NAMESPACE.bytes
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
    get = body.get
    event_id, source, kind, time, data = get("id"), get("source"), get("type"), get("time"), get("data")
    if get("specversion") != "1.0" or not (_name(event_id) and _name(source) and _name(kind)):
        return None
    if type(data) is not dict or type(time) is not str or RFC3339.fullmatch(time) is None:
        return None
    size = len(body)
    if size > 6:  # beyond the six required attributes: check the optional ones
        content_type = get("datacontenttype")
        if content_type is not None and content_type != "application/json":
            return None
        if size > 7 or content_type is None:
            for key in OPTIONAL_TEXT:
                value = get(key)
                if value is not None and type(value) is not str:
                    return None
    try:
        at = (datetime.fromisoformat(time) - EPOCH) // MICROSECOND
    except ValueError:
        return None
    return Event(event_id, source, kind, at, data)


def iso(at: int) -> str:
    """Epoch microseconds as RFC 3339 in UTC, the way shared.events.utc_iso writes them."""
    seconds, micro = divmod(at, 1_000_000)
    if not micro and 0 <= seconds < 253402300800:  # whole seconds, years 1970-9999: the C formatter
        return strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(seconds))
    return (EPOCH + timedelta(microseconds=at)).isoformat().replace("+00:00", "Z")


async def ack(redis: Redis, stream: str, group: str, entry_ids: Sequence[str]) -> None:
    """XACK a batch with one command, packed here."""
    if entry_ids:
        await _call(redis, [b"XACK", stream.encode(), group.encode(), *(i.encode() for i in entry_ids)])


def answer_id(kind: str, source: str, cause_id: str, key: str = "") -> bytes:
    """uuid5 of the cause, as 16 bytes: the same cause always gets the same answer id (CONTRACT 1).

    Written out (RFC 4122 section 4.3) because `uuid.uuid5` builds two UUID
    objects a call, which shows at a million ballots.
    """
    digest = bytearray(sha1(NAMESPACE + f"{kind}|{source}|{cause_id}|{key}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return bytes(digest)


def uuid_text(key: bytes) -> str:
    text = key.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


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


# One script call XADDs a whole batch: one command and one reply instead of a
# command and a reply per entry (the client's per-reply cost was the larger
# share of the hot path), and the batch lands all or nothing.
PUBLISH_SCRIPT = """
local maxlen = ARGV[1]
for i = 2, #ARGV do
  if maxlen == '0' then
    redis.call('XADD', KEYS[1], '*', '__data__', ARGV[i])
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', '__data__', ARGV[i])
  end
end
return #ARGV - 1
"""
PUBLISH_SHA = sha1(PUBLISH_SCRIPT.encode()).hexdigest()
CHUNK = 2000


async def xadd_all(redis: Redis, entries: Sequence[tuple[str, bytes]]) -> None:
    """XADD every (stream, body) in order; one script call per run of one stream."""
    for stream, run in groupby(entries, key=lambda entry: entry[0]):
        bodies = [body for _, body in run]
        maxlen = b"0" if stream == streams.DEADLETTER else str(OUTBOUND_MAXLEN).encode()
        for start in range(0, len(bodies), CHUNK):
            args = (maxlen, *bodies[start : start + CHUNK])
            try:
                await _call(redis, [b"EVALSHA", PUBLISH_SHA.encode(), b"1", stream.encode(), *args])
            except NoScriptError:  # a new or restarted server: send the script itself once
                await redis.eval(PUBLISH_SCRIPT, 1, stream, *args)


async def read_group(redis: Redis, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[tuple[str, bytes | None]]:
    """XREADGROUP new entries: [(entry id, __data__)], without redis-py's dict per entry."""
    args = [b"XREADGROUP", b"GROUP", group.encode(), consumer.encode(), b"COUNT", b"%d" % count,
            b"BLOCK", b"%d" % block_ms, b"STREAMS", stream.encode(), b">"]
    reply = await _call(redis, args)
    # RESP3 answers a map {stream: entries}, RESP2 a list of [stream, entries].
    per_stream = reply.values() if isinstance(reply, dict) else [got for _, got in reply or []]
    entries: list[tuple[str, bytes | None]] = []
    for got in per_stream:
        for entry_id, fields in got:
            raw = None
            if fields:  # [field, value, ...]; a deleted entry has none
                for i in range(0, len(fields) - 1, 2):
                    if fields[i] == b"__data__":
                        raw = fields[i + 1]
                        break
            entries.append((entry_id.decode(), raw))
    return entries


async def _call(redis: Redis, args: list[bytes]) -> Any:
    """One command, packed here: redis-py's packer costs a microsecond an argument."""
    packed = b"".join([b"*%d\r\n" % len(args), *(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)])
    pool = redis.connection_pool
    conn = await pool.get_connection()
    try:
        await conn.send_packed_command(packed)
        return await conn.read_response()
    except (ConnectionError, TimeoutError, OSError):
        await conn.disconnect()
        raise
    finally:
        await pool.release(conn)
