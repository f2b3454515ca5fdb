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
    done: list[R] = []

    async def connected() -> None:
        # The result leaves by `done`, not as the main task's: on Python 3.11, as `asyncio.run` puts
        # the SIGINT handler back, `signal.getsignal` formats the repr of its handler, which holds the
        # task and so its result (a million ballots' times: seconds).
        async with RawConnection(url) as conn:
            done.append(await work(conn))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(connected())
        return done[0]
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, connected()).result()
    return done[0]
