"""Reading the public streams into a `ContestState`, from where it stopped last time."""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from report.raw import RawConnection
from report.state import READABLE, ContestState
from shared.bus import DATA_FIELD

CHUNK = 20_000
Fold = Callable[[bytes | None], None]


def _data(fields: list[bytes]) -> bytes | None:
    """`__data__` of an entry's flat field list."""
    for i in range(0, len(fields) - 1, 2):
        if fields[i] == DATA_FIELD:
            return fields[i + 1]
    return None


async def follow(conn: RawConnection, state: ContestState, extra: dict[str, Fold] | None = None) -> int:
    """Read what is new on every readable stream (and on `extra` streams, each to its own fold), to the ends."""
    folds: dict[str, Fold] = {s: functools.partial(state.apply, s) for s in READABLE}
    folds.update(extra or {})
    names = list(folds)
    for stream in names:
        state.positions.setdefault(stream, "0-0")
    read = 0
    while True:
        positions = [state.positions[s].encode() for s in names]
        reply = await conn.command(b"XREAD", b"COUNT", str(CHUNK).encode(), b"STREAMS", *(s.encode() for s in names), *positions)
        full = False
        for stream, entries in reply or []:
            name = stream.decode()
            fold = folds[name]
            for _, fields in entries:
                fold(fields[1] if fields[0] == DATA_FIELD else _data(fields))
            state.positions[name] = entries[-1][0].decode()
            read += len(entries)
            full = full or len(entries) == CHUNK
        if not full:
            return read


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
