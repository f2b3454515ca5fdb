"""Whole streams read by the chunk, for the staff's commands that look at every event (exports, trace)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from report.memory import seldom_collected
from report.raw import RawConnection
from report.reader import Keep, read_streams

R = TypeVar("R")


async def read_all(conn: RawConnection, streams: Sequence[str], keep: Keep) -> int:
    """Every entry of `streams`, from the start to the end as it is now, each stream in its order."""
    with seldom_collected():
        return await read_streams(conn, streams, dict.fromkeys(streams, "0-0"), keep)


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
