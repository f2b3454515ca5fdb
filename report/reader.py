"""Reading the public streams into a `ContestState`, from where it stopped last time."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from report.raw import RawConnection
from report.state import READABLE, ContestState
from shared.bus import DATA_FIELD, data_of, pack

CHUNK = 20_000
Fold = Callable[[bytes | None], None]
# stream, the entry's `__data__`, its entry id
Keep = Callable[[str, bytes | None, str], None]


async def follow(conn: RawConnection, state: ContestState, extra: dict[str, Fold] | None = None) -> int:
    """Read what is new on every readable stream (and on `extra` streams, each to its own fold), to the ends."""
    folds: dict[str, Fold] = {s: functools.partial(state.apply, s) for s in READABLE}
    folds.update(extra or {})
    for stream in folds:
        state.positions.setdefault(stream, "0-0")
    return await read_streams(conn, list(folds), state.positions, lambda stream, raw, _id: folds[stream](raw))


async def read_streams(conn: RawConnection, streams: Sequence[str], positions: dict[str, str], keep: Keep) -> int:
    """Every entry of `streams` after its id in `positions`, to the ends as they are now, each stream in
    its order; a stream's position moves on once a chunk of it is kept.

    The next chunk is asked for before this one is kept, so the server prepares it (on its own
    core) while this process reads the entries."""
    read = 0
    async with conn.lock:
        conn.send(_xread(streams, positions))
        asked = True  # a reply is on its way
        try:
            while asked:
                asked = False
                reply = (await conn.read(1))[0] or []
                after = dict(positions)
                for stream, entries in reply:
                    after[stream.decode()] = entries[-1][0].decode()
                    asked = asked or len(entries) == CHUNK
                if asked:
                    conn.send(_xread(streams, after))
                for stream, entries in reply:
                    name = stream.decode()
                    for entry_id, fields in entries:
                        # The contract's one field read in line (a million entries), any other by `data_of`.
                        keep(name, fields[1] if fields and len(fields) == 2 and fields[0] == DATA_FIELD else data_of(fields), entry_id.decode())
                    positions[name] = after[name]
                    read += len(entries)
        finally:
            if asked:  # `keep` failed: the reply asked for is read, so the connection stays in step
                await conn.read(1)
    return read


def _xread(streams: Sequence[str], positions: dict[str, str]) -> bytes:
    return pack([b"XREAD", b"COUNT", str(CHUNK).encode(), b"STREAMS", *(s.encode() for s in streams), *(positions[s].encode() for s in streams)])


def catch_up(url: str, state: ContestState) -> int:
    """Read every readable stream to its end (for the commands); returns the entries read."""

    async def read() -> int:
        async with RawConnection(url) as conn:
            return await follow(conn, state)

    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)  # a million answers: collect seldom while they pile up
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        in_loop = False
    else:
        in_loop = True  # called from async code (a test, an embedding app): read on a thread of its own
    try:
        if in_loop:
            with ThreadPoolExecutor(1) as pool:
                return pool.submit(asyncio.run, read()).result()
        return asyncio.run(read())
    finally:
        gc.set_threshold(*thresholds)
