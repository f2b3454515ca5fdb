"""Copying the SQLite write-ahead log into the database file, off the hot path, and keeping the log bounded.

A checkpoint run by the committing connection (SQLite's automatic one)
stalls that commit while it copies every page of the log: hundreds of
milliseconds at a million ballots, felt by every ballot waiting behind it.
Here a thread of its own, on a connection of its own, runs a passive
checkpoint every second: it never blocks a writer, and the writer goes on
appending to the log while the copy runs.

The log starts again from its beginning only when a write transaction
begins with every frame of it copied, and under a steady stream of ballots
that never happens: each copy ends while the writer has already appended
more. The log then grows by every page the ballots change: 2 GB for the
2021 contest replayed without a pause, more for a larger one. So once the
log holds more than `LOG_LIMIT_BYTES`, the thread asks the writer
(`Checkpointer.wanted`) to copy what the last pass left, itself, between
two transactions (`Ledger._drain`): one transaction's pages or so, and an
fsync. Its next transaction starts the log again, overwriting the same
file, which the writer's `journal_size_limit` trims back to the limit.

The limit is a bound on the disk, not a tuning: each catch-up holds the
writer 25 to 90 ms, and with a limit of 64 MiB (a catch-up every second or
two at full speed) the service took more CPU a ballot and its p99 at 2,000
ballots a second went from 5 to 40 ms.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from shared.logs import get_logger

EVERY_SECONDS = 1.0
LOG_LIMIT_BYTES = 1024 * 1024 * 1024
PASSIVE = "PRAGMA wal_checkpoint(PASSIVE)"  # copies what no reader still needs; never waits for a writer
log = get_logger()


class Checkpointer:
    def __init__(self, path: str, every: float | None = None, limit: int | None = None) -> None:
        self.path, self.log_path = path, f"{path}-wal"
        self.every = EVERY_SECONDS if every is None else every
        self.limit = LOG_LIMIT_BYTES if limit is None else limit
        self._stop = threading.Event()
        self._wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voting-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def wanted(self) -> bool:
        """Whether the writer should copy the rest of the log itself now (once: asking clears it).

        Asked by the last pass, and the log's file still past the limit: a
        pass that read the log just before the writer started it again asks
        for nothing more, since the commit that starts it trims the file
        (`journal_size_limit`).
        """
        if not self._wanted.is_set():
            return False
        self._wanted.clear()
        return self._past_limit()

    def _past_limit(self) -> bool:
        """The log's file is larger than the limit: the log itself is, since each start of it trims the file."""
        try:
            return os.stat(self.log_path).st_size > self.limit
        except OSError:  # no log (yet), or unreadable: nothing asked; an error here would stop the writer's thread
            return False

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.every):
                self.checkpoint(db)
            self.checkpoint(db)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            busy, frames, copied = db.execute(PASSIVE).fetchone()
        except sqlite3.Error as exc:  # the next round tries again
            log.warning("checkpoint.failed", error=str(exc))
            return
        if frames > 0:
            log.debug("checkpoint.done", frames=frames, copied=copied, busy=bool(busy))
        if self._past_limit():
            self._wanted.set()


def catch_up(db: sqlite3.Connection) -> None:
    """The writer, between two transactions: copy what the log holds beyond the last pass, so that
    its next transaction starts the log again (unless a reader still holds an older snapshot)."""
    started = time.perf_counter()
    busy, frames, copied = db.execute(PASSIVE).fetchone()
    log.debug("checkpoint.caught_up", frames=frames, copied=copied, busy=bool(busy), ms=round((time.perf_counter() - started) * 1000, 1))
