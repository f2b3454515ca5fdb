"""The voting service's SQLite write-ahead log: copied off the hot path, and bounded under a steady stream of writes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from services.voting import store
from services.voting.adapters import checkpoint
from services.voting.adapters.checkpoint import Checkpointer, catch_up
from services.voting.adapters.ledger import Ledger
from shared.db import create_tables, make_engine

LIMIT = 256 * 1024
ROWS, ROW_BYTES = 40, 1024  # a transaction of some 40 KiB of rows


def writer(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute(f"PRAGMA journal_size_limit = {LIMIT}")
    db.execute("CREATE TABLE IF NOT EXISTS t (k BLOB PRIMARY KEY, v BLOB)")
    return db


def log_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def steady_writes(path: Path, rounds: int, caught_up: bool) -> int:
    """Transactions one after the other, each passed by the checkpointer's copy while it is open (as under a
    steady stream of ballots, where a copy never ends between two transactions); the log's largest size."""
    db, other = writer(path), sqlite3.connect(path, isolation_level=None)
    passes = Checkpointer(str(path), limit=LIMIT)  # its passes run here, in turn with the writer
    largest = 0
    for _ in range(rounds):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(os.urandom(16), os.urandom(ROW_BYTES)) for _ in range(ROWS)])
        passes.checkpoint(other)  # copies what was committed before; this transaction's frames stay
        db.execute("COMMIT")
        if caught_up and passes.wanted():
            catch_up(db)
        largest = max(largest, log_bytes(path))
    db.close()
    other.close()
    return largest


def test_a_log_never_copied_whole_grows_without_end(tmp_path: Path) -> None:
    assert steady_writes(tmp_path / "v.sqlite", 60, caught_up=False) > 4 * LIMIT


def test_the_writer_catching_up_starts_the_log_again_and_trims_it(tmp_path: Path) -> None:
    # Past the limit the writer copies the rest itself: its next transaction starts the log again, and
    # the first commit after trims the file back to the limit (with one transaction over it at most).
    assert steady_writes(tmp_path / "v.sqlite", 60, caught_up=True) <= LIMIT + 2 * (ROWS + 4) * (ROW_BYTES + 4096 + 24)


def test_the_writer_is_asked_once_a_pass_finds_the_log_past_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    db, other = writer(path), sqlite3.connect(path, isolation_level=None)
    passes = Checkpointer(str(path), limit=LIMIT)
    db.execute("INSERT INTO t VALUES (?, ?)", (b"k", b"v"))
    passes.checkpoint(other)
    assert passes.wanted() is False  # a small log: nothing asked
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(os.urandom(16), os.urandom(ROW_BYTES)) for _ in range(400)])
    db.execute("COMMIT")
    passes.checkpoint(other)
    assert passes.wanted() is True
    assert passes.wanted() is False  # asking clears it
    db.close()
    other.close()


async def test_the_ledger_catches_up_when_asked_and_its_log_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "EVERY_SECONDS", 3600.0)  # no pass of the thread: the test asks itself
    monkeypatch.setattr(checkpoint, "LOG_LIMIT_BYTES", 16 * 1024)
    engine = make_engine("voting", tmp_path / "data", None)
    create_tables(engine, store.TABLES)
    ledger = Ledger(engine)
    try:
        rows = [store.Answer(os.urandom(16), f"b-{n}", f"v-{n}", 1, "p-1", None, n) for n in range(3000)]
        await ledger.group(lambda cur, batch: ledger.add_answers(cur, batch), rows[:2000])
        path = Path(str(engine.url.database))
        grown = log_bytes(path)
        assert ledger._checkpointer is not None
        ledger._checkpointer._wanted.set()  # what a pass finding the log past its limit does
        await ledger.group(lambda cur, batch: ledger.add_answers(cur, batch), rows[2000:2001])  # copied after its commit
        await ledger.group(lambda cur, batch: ledger.add_answers(cur, batch), rows[2001:])  # starts the log again
        with sqlite3.connect(path) as reader:
            frames = reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
            page = reader.execute("PRAGMA page_size").fetchone()[0]
        assert frames * page < grown  # the log holds the last group's pages alone
    finally:
        ledger.close()
        engine.dispose()
