"""Report counters' workers that count slowly or die (services/voting/adapters/counter.py). A worker runs in
a process of its own: a test swaps it here, and learns it is counting from a file, not from its own process."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

from services.voting import reports
from services.voting.adapters import counter

SECONDS = 1.5


def counting_file(data_dir: Path) -> Path:
    return Path(data_dir) / "counting"


def serve(conn: Connection, service: str, data_dir: Path, url: str) -> None:
    """`counter.serve`, each cut-off's count made once the file says so, `SECONDS` later."""
    fold = reports.fold

    def slow_fold(*args):  # type: ignore[no-untyped-def]
        counting_file(data_dir).touch()
        time.sleep(SECONDS)
        return fold(*args)

    reports.fold = slow_fold
    counter.serve(conn, service, data_dir, url)


def dies(conn: Connection, service: str, data_dir: Path, url: str) -> None:
    """A worker that takes the cut-offs and dies before any snapshot, as under SIGKILL."""
    conn.recv()
    os._exit(137)
