"""The reclaimer's loops all stop with it, even one that swallowed its first cancellation."""

from __future__ import annotations

import asyncio

from shared.reclaim import Reclaimer


class Stubborn(Reclaimer):
    """One loop shrugs off its first cancellation, as redis-py's can when a reply lands with it."""

    async def _loop(self, stream: str, every_s: float) -> None:
        shrugged = stream != "c"
        while True:
            try:
                await asyncio.sleep(every_s)
            except asyncio.CancelledError:
                if shrugged:
                    raise
                shrugged = True


async def test_every_loop_is_stopped_before_the_reclaimer_ends():
    before = asyncio.all_tasks()
    reclaimer = Stubborn(None, "voting", "c", "src", 1000, 3, lambda stream: None)  # type: ignore[arg-type]  # never reaches the server
    task = asyncio.create_task(reclaimer.forever(["a", "b", "c"], 0.01))
    await asyncio.sleep(0.05)

    while not task.done():  # as the runtime stops it
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)

    await asyncio.sleep(0.05)
    assert asyncio.all_tasks() - before == set()
