"""The reports' votes counted in a process of their own (reports.py, `count_ahead`).

Counting a week's report reads every vote timed before its cut-off and
folds their leaves: seconds of CPU for a million votes. On a thread of the
service they would share the interpreter's lock with the ballots, which go
on meanwhile. A worker process counts instead, on a database connection of
its own, and says when its snapshot is taken (the ballots store again from
then on, pause.py). It is started before the first report falls due (with
the first ballots, `start`) and lives as long as the service: once `wsis
up` stops it or it dies, the worker reads the end of its pipe and leaves.

A worker that fails or dies costs no report: the tick's transaction counts
the votes itself (`reports.make` without counts ahead), and the next report
starts a new worker.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from sqlalchemy import Engine

from services.voting import reports
from shared.db import make_engine
from shared.logs import get_logger

log = get_logger()
TAKEN = "taken"
STOP_S = 2.0  # a worker asked to stop that has not, after this, is terminated


def serve(conn: Connection, service: str, data_dir: Path, url: str) -> None:
    """The worker: cut-offs in, `TAKEN` once the snapshot is, then ("counted", Ahead) or ("failed", why)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the service, which stops it
    engine = make_engine(service, data_dir, url)
    try:
        while (cuts := conn.recv()) is not None:
            try:
                ahead = reports.count_ahead(engine, cuts, lambda: conn.send(TAKEN))
            except Exception as exc:  # noqa: BLE001 - told to the service, which counts in the tick's transaction
                conn.send(("failed", f"{type(exc).__name__}: {exc}"[:300]))
            else:
                conn.send(("counted", ahead))
    except (EOFError, OSError):
        pass  # the service is gone
    finally:
        engine.dispose()


class ReportCounter:
    def __init__(self, service: str, data_dir: Path, engine: Engine) -> None:
        self._args = (service, Path(data_dir), engine.url.render_as_string(hide_password=False))
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        """Start the worker, unless it runs (its start-up, about a second of imports, is not waited for)."""
        if self.alive:
            return
        self.stop()
        context = multiprocessing.get_context("spawn")  # never a fork of a service with threads
        ours, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs, *self._args), name=f"{self._args[0]}-counter", daemon=True)
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        log.info("reports.counter_started", pid=process.pid)

    async def count(self, cuts: Sequence[int], taken: Callable[[], None]) -> reports.Ahead | None:
        """The votes at `cuts` on one snapshot; `taken()` once it is. None if the worker failed or died."""
        self.start()
        conn = self._conn
        assert conn is not None
        try:
            conn.send(list(cuts))
            said = await asyncio.to_thread(conn.recv)
            if said == TAKEN:
                taken()
                said = await asyncio.to_thread(conn.recv)
        except (EOFError, OSError) as exc:
            log.warning("reports.counter_died", cuts=list(cuts), error=type(exc).__name__)
            self.stop()
            return None
        kind, value = said
        if kind == "counted":
            return value
        log.warning("reports.count_failed", cuts=list(cuts), error=value)
        return None

    def stop(self) -> None:
        """Ask the worker to leave; terminate it if it does not (a count in flight reads EOF and ends)."""
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if conn is not None:
            try:
                conn.send(None)
            except OSError:
                pass
        if process is not None:
            process.join(STOP_S)
            if process.is_alive():
                process.terminate()
                process.join(STOP_S)
        if conn is not None:
            conn.close()
