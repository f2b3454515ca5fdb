"""CloudEvents in and out at hot-path speed.

`read` parses an entry with orjson and takes the fast road only when the
envelope is plainly valid; anything unusual goes to the foundation's
`parse_entry`, so whether an entry is an event or a dead letter is always
decided the same way (a property test holds the two together).
"""

from __future__ import annotations

from binascii import hexlify
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha1
from time import gmtime, strftime
from typing import Any

import orjson

from services.voting.domain import EPOCH, MICROSECOND, micros
from shared.envelope import (
    ID_NAMESPACE,
    MAX_ENTRY_BYTES,
    RFC3339,
    Unreadable,
    parse_entry,
    within_json_depth,
)

NAMESPACE = ID_NAMESPACE.bytes
OPTIONAL_TEXT = ("subject", "causationid")


@dataclass(slots=True)
class Event:
    """The attributes the voting service uses; `at` is the business time in epoch microseconds."""

    id: str
    source: str
    type: str
    at: int
    data: dict[str, Any]
    text: str | None = None  # the time as written, when it is already the way `iso` writes it


def read(raw: bytes | None) -> Event | Unreadable:
    if raw is not None and len(raw) <= MAX_ENTRY_BYTES:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        # The shared parser's depth limit holds here too: one rule for every reader of entries.
        if type(body) is dict and within_json_depth(raw, body):
            event = _plainly_valid(body)
            if event is not None:
                return event
    parsed = parse_entry(raw)
    if isinstance(parsed, Unreadable):
        return parsed
    return Event(parsed.id, parsed.source, parsed.type, micros(parsed.time), parsed.data)


def _plainly_valid(body: dict[str, Any]) -> Event | None:
    """The event, when every check is clear-cut; None sends it the slow, exact way."""
    get = body.get
    event_id, source, kind, time, data = get("id"), get("source"), get("type"), get("time"), get("data")
    # The id, source and type are names: non-empty strings, no surrounding whitespace.
    if (
        get("specversion") != "1.0" or type(event_id) is not str or type(source) is not str or type(kind) is not str
        or not (event_id and source and kind) or event_id != event_id.strip() or source != source.strip() or kind != kind.strip()
    ):
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
    # Whole seconds in UTC are written back exactly as they came (`iso(at) == time`).
    return Event(event_id, source, kind, at, data, time if len(time) == 20 and time[19] == "Z" else None)


def iso(at: int) -> str:
    """Epoch microseconds as RFC 3339 in UTC, the way shared.events.utc_iso writes them."""
    seconds, micro = divmod(at, 1_000_000)
    if not micro and 0 <= seconds < 253402300800:  # whole seconds, years 1970-9999: the C formatter
        return strftime("%Y-%m-%dT%H:%M:%SZ", gmtime(seconds))
    return (EPOCH + timedelta(microseconds=at)).isoformat().replace("+00:00", "Z")


# RFC 4122's version (5) and variant bits of bytes 6 and 8, by the byte's value: one look-up each.
_VERSIONED = [bytes([(b & 0x0F) | 0x50]) for b in range(256)]
_VARIANT = [bytes([(b & 0x3F) | 0x80]) for b in range(256)]


def answer_id(kind: str, source: str, cause_id: str, key: str = "") -> bytes:
    """uuid5 of the cause, as 16 bytes: the same cause always gets the same answer id (CONTRACT 1).

    Written out (RFC 4122 section 4.3) because `uuid.uuid5` builds two UUID
    objects a call, which shows at a million ballots.
    """
    d = sha1(NAMESPACE + f"{kind}|{source}|{cause_id}|{key}".encode()).digest()
    return b"".join((d[:6], _VERSIONED[d[6]], d[7:8], _VARIANT[d[8]], d[9:16]))


def uuid_text(key: bytes) -> str:
    text = key.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# An answer to a ballot, as `event_bytes` writes it with `uuid_text(key)` as its id: filled in
# rather than built as a dict and serialised (a million a contest). The id (hex digits) and
# the time (RFC 3339) need no escaping; the source, type, data and cause go through orjson.
_KEYED = (
    b'{"specversion":"1.0","id":"%b-%b-%b-%b-%b","source":%b,"type":%b,"time":"%b",'
    b'"datacontenttype":"application/json","data":%b,"causationid":%b}'
)
_quoted: dict[str, bytes] = {}  # a JSON string of each source and type seen (a few)


def _quote(text: str) -> bytes:
    quoted = _quoted.get(text)
    if quoted is None:
        quoted = orjson.dumps(text)
        if len(_quoted) < 64:
            _quoted[text] = quoted
    return quoted


def keyed_event_bytes(key: bytes, source: str, kind: str, at: int, data: dict[str, Any], cause_id: str, text: str | None = None) -> bytes:
    """`event_bytes(uuid_text(key), ...)`, the same JSON; `text`, when given, is `iso(at)` already."""
    h = hexlify(key)
    time = (text or iso(at)).encode()
    return _KEYED % (h[:8], h[8:12], h[12:16], h[16:20], h[20:], _quote(source), _quote(kind), time, orjson.dumps(data), orjson.dumps(cause_id))


def event_bytes(
    event_id: str, source: str, kind: str, at: int, data: dict[str, Any], cause_id: str | None, text: str | None = None
) -> bytes:
    """The event as JSON; `text`, when given, is `iso(at)` already."""
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": kind,
        "time": text or iso(at),
        "datacontenttype": "application/json",
        "data": data,
    }
    if cause_id is not None:
        body["causationid"] = cause_id
    return orjson.dumps(body)
