"""Copying the SQLite write-ahead log into the database file, off the hot path.

A checkpoint run by the committing connection (SQLite's automatic one)
stalls that commit while it copies every page of the log: hundreds of
milliseconds at a million ballots, felt by every ballot waiting behind it.
Here a thread of its own, on a connection of its own, runs a passive
checkpoint every second: it never blocks a writer, and the writer goes on
appending to the log while the copy runs.
"""

from __future__ import annotations

import sqlite3
import threading

from shared.logs import get_logger

EVERY_SECONDS = 1.0
log = get_logger()


class Checkpointer:
    def __init__(self, path: str, every: float = EVERY_SECONDS) -> None:
        self.path, self.every = path, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="voting-checkpoint", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

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
            busy, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the next round tries again
            log.warning("checkpoint.failed", error=str(exc))
            return
        if frames > 0:
            log.debug("checkpoint.done", frames=frames, copied=copied, busy=bool(busy))
