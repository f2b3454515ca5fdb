"""The ballot desk's pause while a report or an annulment is made and published (docs/tally.md, "What a report counts").

A report counts the accepted votes timed before its cut-off whose answers
come before it on voting's output stream, the rule anyone checking the stream
applies. The runtime drains the ballots published before the tick; a ballot
published after the tick but timed before the cut-off could otherwise be
stored before the report's count and published after the report, or the
other way round. So before the tick is handled the desk stops storing new
batches and waits until every batch it stored is published; the report is
then counted on votes that are all on the stream, and published before any
later vote. An annulment pauses them the same way (annulments.py). The
runtime resumes the desk once the tick's or the annulment's batch is
published or failed (the voting service's `Gate`s); `LIMIT_S` bounds a
pause whatever happens.

A report's votes are read on a snapshot (reports.py, `count_ahead`): once
it is taken the desk stores again (`hold`), but a batch with a ballot timed
before the report's cut-off, a late one, waits to be stored until the
report is published; the others count after the cut-off, on either side
of the report alike. A late ballot is not even stored before the report is
out: a crash meanwhile leaves no vote the retried report would count and
whose answer would follow it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from shared.logs import get_logger

LIMIT_S = 30.0
Late = Callable[[int], bool]  # does a batch hold a ballot timed before this cut-off?
log = get_logger()


class Pause:
    def __init__(self, limit_s: float = LIMIT_S) -> None:
        self.limit_s = limit_s
        self._open = asyncio.Event()
        self._open.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._unpublished = 0
        self._since = 0.0
        self._publishing = asyncio.Event()
        self._publishing.set()
        self.cut: int | None = None  # while a report is made on a snapshot: its cut-off

    @property
    def paused(self) -> bool:
        return not self._open.is_set()

    async def enter(self, late: Late = lambda cut: False) -> None:
        """Before a batch is queued for storing (no await between this and the queueing): it waits while
        the ballots are paused, and while a report is made if `late(cut)` (a ballot timed before its cut-off)."""
        while self.paused or (self.cut is not None and late(self.cut)):
            left = self._since + self.limit_s - time.monotonic()
            try:
                await asyncio.wait_for((self._open if self.paused else self._publishing).wait(), max(left, 0.0))
            except TimeoutError:
                log.warning("ballots.pause_expired", waited_s=self.limit_s)
                self.resume()
        self._unpublished += 1
        self._idle.clear()

    def left(self) -> None:
        """A batch entered is published, or failed (it stays pending and comes back)."""
        self._unpublished -= 1
        if self._unpublished <= 0:
            self._unpublished = 0
            self._idle.set()

    async def pause(self) -> bool:
        """Stop new batches and wait until every batch entered is published; False if that took too long."""
        if not self.paused:
            self._since = time.monotonic()
            self._open.clear()
        try:
            await asyncio.wait_for(self._idle.wait(), max(self._since + self.limit_s - time.monotonic(), 0.0))
        except TimeoutError:
            log.warning("ballots.unpublished_batches", batches=self._unpublished)
            return False
        return True

    def hold(self, cut: int) -> None:
        """The report's snapshot is taken: batches are stored again, but one with a ballot timed
        before `cut` waits in `enter` until the report is out (`resume`)."""
        self.cut = cut
        self._publishing.clear()
        self._open.set()

    def resume(self) -> None:
        self.cut = None
        self._publishing.set()
        self._open.set()
