"""Whole streams read by the chunk, for the staff's commands that look at every event (exports, trace)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from report.memory import seldom_collected
from report.raw import RawConnection
from report.reader import CHUNK, _data
from shared.bus import DATA_FIELD, pack

R = TypeVar("R")
# stream, the entry's `__data__`, its entry id
Keep = Callable[[str, bytes | None, str], None]


async def read_all(conn: RawConnection, streams: Sequence[str], keep: Keep) -> int:
    """Every entry of `streams`, from the start to the end as it is now, each stream in its order."""
    with seldom_collected():
        return await _read_all(conn, streams, keep)


async def _read_all(conn: RawConnection, streams: Sequence[str], keep: Keep) -> int:
    """Chunk after chunk; the next chunk is asked for before this one is kept, so the server
    prepares it (on its own core) while this process reads the entries."""
    positions = {s: "0-0" for s in streams}
    read = 0
    async with conn.lock:
        conn.send(_xread(positions))
        asked = True  # a reply is on its way
        try:
            while asked:
                asked = False
                reply = (await conn.read(1))[0] or []
                for stream, entries in reply:
                    positions[stream.decode()] = entries[-1][0].decode()
                    asked = asked or len(entries) == CHUNK
                if asked:
                    conn.send(_xread(positions))
                for stream, entries in reply:
                    name = stream.decode()
                    for entry_id, fields in entries:
                        keep(name, fields[1] if fields and fields[0] == DATA_FIELD else _data(fields), entry_id.decode())
                    read += len(entries)
        finally:
            if asked:  # `keep` failed: the reply asked for is read, so the connection stays in step
                await conn.read(1)
    return read


def _xread(positions: dict[str, str]) -> bytes:
    return pack([b"XREAD", b"COUNT", str(CHUNK).encode(), b"STREAMS", *(s.encode() for s in positions), *(p.encode() for p in positions.values())])


def run(url: str, work: Callable[[RawConnection], Awaitable[R]]) -> R:
    """`work` on a connection of its own; on a thread of its own when called from async code (a test)."""

    async def connected() -> R:
        async with RawConnection(url) as conn:
            return await work(conn)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(connected())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, connected()).result()
