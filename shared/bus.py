"""The bus: plain CloudEvents JSON in `__data__` on Redis Streams.

FastStream's `RedisBroker` reads the streams through consumer groups; this
module gives it the wire format of the contract and the pieces every
service needs around it: group creation, unique consumer names, batch
entries, publishing through one pipeline, dead letters.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from faststream.redis.parser import MessageFormat
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared import topology
from shared.envelope import ID_NAMESPACE, CloudEvent, published
from shared.events import DeadLetter, T
from shared.settings import get_settings

DATA_FIELD = b"__data__"
RAW_LIMIT = 64 * 1024
# Outbound streams are trimmed approximately to keep memory bounded on a
# long-running bus; far above a whole contest (1.3 million ballots).
OUTBOUND_MAXLEN = 10_000_000


class CloudEventFormat(MessageFormat):
    """`__data__` holds the CloudEvent itself: no binary envelope, no headers."""

    @classmethod
    async def encode(cls, *, message: Any, **_: Any) -> bytes:
        if isinstance(message, CloudEvent):
            return message.to_json()
        if isinstance(message, bytes):
            return message
        return json.dumps(message, separators=(",", ":")).encode()

    @classmethod
    def parse(cls, data: bytes) -> tuple[bytes, dict[str, Any]]:
        return data, {"content-type": "application/json"}


def consumer_name(service: str) -> str:
    """Unique per process, so replicas never share a pending list."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def consumer_pid(consumer: str) -> int | None:
    """The process of a name `consumer_name` made on this host; None for another host's (or another kind of name)."""
    head, _, _tag = consumer.rpartition("-")
    head, _, pid = head.rpartition("-")
    return int(pid) if pid.isdigit() and head.endswith(f"-{socket.gethostname()}") else None


def text(value: bytes | str) -> str:
    """A reply's value as text (the services' clients do not decode replies; redis-py's XINFO keys are str)."""
    return value.decode() if isinstance(value, bytes) else value


async def ensure_group(redis: Redis, stream: str, group: str) -> None:
    """Create the group at the start of the stream, so nothing published before is missed."""
    try:
        await redis.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def leave_group(redis: Redis, stream: str, group: str, consumer: str) -> bool:
    """Remove a stopped consumer from the group, unless it still holds entries.

    XGROUP DELCONSUMER drops the consumer's pending entries with it, so a
    consumer that holds any stays, for another to reclaim them.
    """
    consumers: Sequence[Mapping[str, Any]] = await redis.xinfo_consumers(stream, group)
    for info in consumers:
        if text(info["name"]) != consumer:
            continue
        if info["pending"]:
            return False
        await redis.xgroup_delconsumer(stream, group, consumer)
        return True
    return False


@dataclass(slots=True)
class Entry:
    stream: str
    entry_id: str
    raw: bytes | None


def entries_from(stream: str, ids: Sequence[bytes | str], fields: Sequence[dict[bytes, bytes]]) -> list[Entry]:
    return [
        Entry(stream, i.decode() if isinstance(i, bytes) else i, f.get(DATA_FIELD)) for i, f in zip(ids, fields, strict=True)
    ]


def deadletter(stream: str, entry_id: str, error: str, raw: bytes | None, source: str) -> CloudEvent:
    """The `wsis.deadletter` event for an entry; its id depends on the entry alone."""
    text = (raw or b"")[:RAW_LIMIT].decode("utf-8", errors="replace")
    return published(
        T.DEADLETTER, source, DeadLetter(stream=stream, entry_id=entry_id, error=error, raw=text).model_dump(),
        id=str(uuid.uuid5(ID_NAMESPACE, f"{T.DEADLETTER}|{stream}|{entry_id}")), time=datetime.now(UTC), causationid=entry_id,
    )


# One script call XADDs a run of bodies to one stream: redis-py packs a
# command in Python at about a microsecond an argument, so a batch's 4,000
# answers go as one argument, joined, and the server splits them. A body is
# JSON (CloudEvents, control characters escaped), so a newline never occurs
# inside one. (The XACK stays a plain command: a service's ACL user may not
# run scripts on its input streams.)
XADD_RUN = """
local maxlen, data, pos, count = ARGV[1], ARGV[2], 1, 0
while pos <= #data do
  local stop = string.find(data, '\\n', pos, true) or (#data + 1)
  local body = string.sub(data, pos, stop - 1)
  if maxlen == '0' then
    redis.call('XADD', KEYS[1], '*', '__data__', body)
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', '__data__', body)
  end
  pos, count = stop + 1, count + 1
end
return count
"""
XADD_RUN_BYTES = XADD_RUN.encode()
# One script call's bodies, joined, stay under this: a server refuses an argument longer than its
# proto-max-bulk-len (4 MB on the embedded one, compose.yaml's too) by closing the connection, and
# the batch would fail the same way on every retry.
SCRIPT_ARG_BYTES = 1024 * 1024


def _script_runs(bodies: Sequence[bytes], limit: int = SCRIPT_ARG_BYTES) -> Iterator[list[bytes]]:
    """`bodies` in order, cut into runs of at most `limit` bytes joined (a longer body alone)."""
    run: list[bytes] = []
    size = 0
    for body in bodies:
        if run and size + len(body) > limit:
            yield run
            run, size = [], 0
        run.append(body)
        size += len(body) + 1
    if run:
        yield run


async def publish_all(
    redis: Redis,
    events: Iterable[tuple[str, CloudEvent | bytes]],
    acks: Iterable[Entry] = (),
    group: str | None = None,
    scripted: bool = False,
) -> int:
    """XADD every event, in order, through one pipeline (one round trip).

    With `acks` (and the consumer `group`), the XACK of those entries goes
    in the same MULTI/EXEC: nobody sees an entry's answer or dead letter
    while the entry itself is still pending, and nothing is acknowledged
    without its answers. `scripted` (the ballots' hot path) appends each
    stream's run with one script call; EVAL (not EVALSHA) so a server that
    lost its script cache cannot fail one command of the transaction while
    the others pass. Otherwise each event is one XADD.
    """
    count = 0
    by_stream: dict[str, list[bytes]] = {}
    for entry in acks:
        by_stream.setdefault(entry.stream, []).append(entry.entry_id.encode())
    commands: list[Sequence[bytes]] = []
    for stream, run in groupby(events, key=itemgetter(0)):
        bodies = [event if isinstance(event, bytes) else event.to_json() for _, event in run]
        # Dead letters are capped too (WSIS_DEADLETTER_MAXLEN): a flood of bad entries must not fill the server.
        maxlen = get_settings().deadletter_maxlen if stream == topology.DEADLETTER else OUTBOUND_MAXLEN
        runs = [b"\n".join(run) for run in _script_runs(bodies)] if scripted else []
        if scripted and sum(run.count(b"\n") for run in runs) == len(bodies) - len(runs) and all(bodies):
            commands.extend((b"EVAL", XADD_RUN_BYTES, b"1", stream.encode(), b"%d" % maxlen, run) for run in runs)
        else:  # no script rights, an empty body, or one with a raw newline (not JSON as written here)
            capped = (b"MAXLEN", b"~", b"%d" % maxlen) if maxlen else ()
            commands.extend((b"XADD", stream.encode(), *capped, b"*", DATA_FIELD, body) for body in bodies)
        count += len(bodies)
    if by_stream:
        assert group is not None, "acknowledging needs the consumer group"
        commands.extend((b"XACK", stream.encode(), group.encode(), *entry_ids) for stream, entry_ids in by_stream.items())
    if commands:
        await _send(redis, commands, transaction=bool(by_stream))
    return count


async def _send(redis: Redis, commands: Sequence[Sequence[bytes]], transaction: bool) -> None:
    """Send the commands, packed here, in one write (in MULTI/EXEC with `transaction`); raise the first error.

    redis-py's packer costs about half a microsecond an argument: a batch's
    XACK of 4,000 entry ids alone cost more than the rest of publishing it.
    A failure of any kind drops the connection, so no reply is left unread
    on it (and a transaction not yet executed is discarded by the server).
    """
    sent = [(b"MULTI",), *commands, (b"EXEC",)] if transaction else commands
    pool = redis.connection_pool
    conn = await pool.get_connection()
    try:
        await conn.send_packed_command(b"".join([pack(args) for args in sent]))
        replies = [await conn.read_response() for _ in sent]
    except BaseException:
        await conn.disconnect()
        raise
    finally:
        await pool.release(conn)
    results = replies[-1] if transaction else replies
    if transaction and results is None:
        raise ResponseError("EXEC: the transaction was aborted")
    for result in results:
        if isinstance(result, ResponseError):
            raise result


def raw_group_reads(redis: Redis) -> Redis:
    """Have `redis` hand XREADGROUP replies over as the parser gives them (`read_group` reads them).

    redis-py's own reply callback builds a dict per entry in Python: at a
    million ballots that cost more than the rest of reading them.
    """
    redis.set_response_callback("XREADGROUP", _as_parsed)
    return redis


def _as_parsed(response: Any, **_: Any) -> Any:
    return response


async def read_group(redis: Redis, stream: str, group: str, consumer: str, count: int, block_ms: int) -> list[Entry]:
    """XREADGROUP new entries of one stream, on a client set up by `raw_group_reads`."""
    reply = await redis.execute_command(
        "XREADGROUP", "GROUP", group, consumer, "COUNT", count, "BLOCK", block_ms, "STREAMS", stream, ">"
    )
    # RESP3 answers a map {stream: entries}, RESP2 a list of [stream, entries].
    per_stream = reply.values() if isinstance(reply, dict) else [got for _, got in reply or []]
    return parsed_entries(stream, chain.from_iterable(per_stream))


def parsed_entries(stream: str, got: Iterable[tuple[bytes, list[bytes] | None]]) -> list[Entry]:
    """The entries of a stream read as the parser gives them: (entry id, [field, value, ...]) each."""
    return [
        # The contract's entries have the one field: read in line (a million ballots), any other by `data_of`.
        Entry(stream, entry_id.decode(), fields[1] if fields and len(fields) == 2 and fields[0] == DATA_FIELD else data_of(fields))
        for entry_id, fields in got
    ]


def data_of(fields: list[bytes] | None) -> bytes | None:
    """`__data__` of an entry's [field, value, ...]; a deleted entry has none."""
    if not fields:
        return None
    if fields[0] == DATA_FIELD:  # the contract's entries: one field
        return fields[1] if len(fields) > 1 else None
    for i in range(0, len(fields) - 1, 2):
        if fields[i] == DATA_FIELD:
            return fields[i + 1]
    return None


def pack(args: Sequence[bytes]) -> bytes:
    """One command in RESP, for the bulk clients that write pre-packed pipelines (report, demo).

    Arguments of one length in a row (a batch's entry ids in an XACK) are
    joined by one separator in one step rather than framed one by one."""
    parts = [b"*%d\r\n" % len(args)]
    for size, run in groupby(args, len):
        parts += (b"$%d\r\n" % size, (b"\r\n$%d\r\n" % size).join(run), b"\r\n")
    return b"".join(parts)


async def ack(redis: Redis, stream: str, group: str, entry_ids: Sequence[str]) -> None:
    if entry_ids:
        await redis.xack(stream, group, *entry_ids)


async def touch(redis: Redis, group: str, consumer: str, entries: Sequence[Entry], min_idle_ms: int) -> None:
    """Mark entries still in hand as worked on: their idle time restarts, so no reclaimer (this replica's
    or another's) takes them while they wait; their delivery count stays. An entry idle for less than
    `min_idle_ms` is left as it is: touched a moment ago, or just claimed by another replica."""
    by_stream: dict[str, list[Any]] = {}
    for entry in entries:
        by_stream.setdefault(entry.stream, []).append(entry.entry_id)
    for stream, ids in by_stream.items():
        await redis.xclaim(stream, group, consumer, min_idle_ms, ids, justid=True)
