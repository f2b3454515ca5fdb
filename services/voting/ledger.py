"""The ballot hot path's SQL: a few statements a batch on one raw connection.

SQLAlchemy's ORM costs more per row than the rest of a ballot's work, so
the hot path speaks the driver's own dialect (sqlite3 or psycopg) with
executemany and multi-row VALUES. Each batch is one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine

from shared.db import is_postgres

T = TypeVar("T")
Outcome = tuple[bytes, str, str | None, int | None, str | None, str | None, int]  # a voting_ballot row
Vote = tuple[str, int, bytes, str, int]  # a voting_vote row
Held = tuple[bytes, str, str, int, str, int, str]  # a voting_held row
Member = tuple[str, str | None, bool, str]  # a voting_member row
CACHE_KIB = 128 * 1024
CHECKPOINT_PAGES = 100_000


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self.pg = is_postgres(engine)
        self._pooled = engine.raw_connection()
        self.db: Any = self._pooled.driver_connection
        if not self.pg:
            self.db.isolation_level = None  # transactions are begun by hand
            # Ballot ids and voters arrive in random order, so every batch
            # dirties pages all over two indexes. A larger cache keeps them in
            # memory, and a rarer checkpoint writes each page once for many
            # commits instead of after every commit (measured: 22k -> 43k
            # inserts/s at a million ballots).
            self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self.db.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES}")
        self.p = "%s" if self.pg else "?"
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="voting-ledger")

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` on the ledger's own thread: one transaction at a time, in
        order, while the event loop reads and decides the next batch (the
        driver lets go of the GIL while the database works)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        # The connection's transaction mode was changed: do not pool it again.
        self._pooled.invalidate()

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        cur = self.db.cursor()
        try:
            if not self.pg:
                cur.execute("BEGIN IMMEDIATE")
            yield cur
            if self.pg:
                self.db.commit()
            else:
                cur.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise
        finally:
            cur.close()

    def _in(self, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        if self.pg:
            return "= ANY(%s)", [list(values)]
        return f"IN ({','.join('?' * len(values))})", values

    def answered(self, cur: Any, keys: Sequence[bytes]) -> dict[bytes, Outcome]:
        """Ballots answered before, by answer id."""
        found: dict[bytes, Outcome] = {}
        for start in range(0, len(keys), 5000):
            clause, params = self._in(keys[start : start + 5000])
            cur.execute(
                f"SELECT key, ballot_id, voter_id, category, project_id, reason, at_us FROM voting_ballot WHERE key {clause}",
                params,
            )
            for row in cur.fetchall():
                found[bytes(row[0])] = (bytes(row[0]), *row[1:])
        return found

    def add_votes(self, cur: Any, votes: Sequence[Vote]) -> set[bytes]:
        """Insert votes where the voter has none in the category; the answer ids that got in."""
        won: set[bytes] = set()
        row = f"({','.join([self.p] * 5)})"
        for start in range(0, len(votes), 1000):
            chunk = votes[start : start + 1000]
            cur.execute(
                "INSERT INTO voting_vote (voter_id, category, ballot_key, project_id, at_us) VALUES "
                + ",".join([row] * len(chunk))
                + " ON CONFLICT (voter_id, category) DO NOTHING RETURNING ballot_key",
                [value for vote in chunk for value in vote],
            )
            won.update(bytes(key) for (key,) in cur.fetchall())
        return won

    def add_outcomes(self, cur: Any, rows: Sequence[Outcome]) -> set[bytes]:
        """Store answers; the answer ids that were new (the others were stored before)."""
        new: set[bytes] = set()
        row = f"({','.join([self.p] * 7)})"
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            cur.execute(
                "INSERT INTO voting_ballot (key, ballot_id, voter_id, category, project_id, reason, at_us) VALUES "
                + ",".join([row] * len(chunk))
                + " ON CONFLICT (key) DO NOTHING RETURNING key",
                [value for outcome in chunk for value in outcome],
            )
            new.update(bytes(key) for (key,) in cur.fetchall())
        return new

    def mark(self, cur: Any, keys: Sequence[bytes], reason: str) -> None:
        if keys:
            clause, params = self._in(keys)
            cur.execute(f"UPDATE voting_ballot SET reason = {self.p} WHERE key {clause}", [reason, *params])

    def hold(self, cur: Any, rows: Sequence[Held]) -> None:
        if rows:
            cur.executemany(
                "INSERT INTO voting_held (key, ballot_id, voter_id, category, project_id, at_us, position) "
                f"VALUES ({','.join([self.p] * 7)}) ON CONFLICT (key) DO NOTHING",
                rows,
            )

    def held(self, cur: Any, limit: int) -> list[Held]:
        cur.execute(
            f"SELECT key, ballot_id, voter_id, category, project_id, at_us, position FROM voting_held ORDER BY position LIMIT {int(limit)}"
        )
        return [(bytes(r[0]), *r[1:]) for r in cur.fetchall()]

    def release(self, cur: Any, keys: Sequence[bytes]) -> None:
        if keys:
            clause, params = self._in(keys)
            cur.execute(f"DELETE FROM voting_held WHERE key {clause}", params)

    def add_members(self, cur: Any, rows: Sequence[Member]) -> None:
        """Upsert profiles; a row already stored from a later entry stays."""
        if rows:
            cur.executemany(
                "INSERT INTO voting_member (user_id, entity_id, complete, position) "
                f"VALUES ({','.join([self.p] * 4)}) ON CONFLICT (user_id) DO UPDATE SET "
                "entity_id = excluded.entity_id, complete = excluded.complete, position = excluded.position "
                "WHERE excluded.position > voting_member.position",
                rows,
            )

    def members(self, cur: Any) -> Iterator[tuple[str, str | None, bool]]:
        cur.execute("SELECT user_id, entity_id, complete FROM voting_member")
        while rows := cur.fetchmany(10_000):
            for user_id, entity_id, complete in rows:
                yield user_id, entity_id, bool(complete)

    def nominees(self, cur: Any) -> list[tuple[str, int, str, str]]:
        cur.execute("SELECT project_id, category, entity_id, list_event_id FROM voting_nominee")
        return list(cur.fetchall())
