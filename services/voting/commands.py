"""The hot path's Redis commands, packed by hand.

redis-py builds a Python object per command and per argument, and parses
an XREADGROUP reply into a dict per entry; at a million ballots that costs
more than the server's work. These helpers send one packed command and read
one reply on a pooled connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha1
from itertools import groupby
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError, NoScriptError, TimeoutError

from shared import topology
from shared.bus import OUTBOUND_MAXLEN

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
        maxlen = b"0" if stream == topology.DEADLETTER else str(OUTBOUND_MAXLEN).encode()
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


async def ack(redis: Redis, stream: str, group: str, entry_ids: Sequence[str]) -> None:
    """XACK a batch with one command, packed here."""
    if entry_ids:
        await _call(redis, [b"XACK", stream.encode(), group.encode(), *(i.encode() for i in entry_ids)])
