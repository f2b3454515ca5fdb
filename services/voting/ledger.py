"""The ballot hot path's SQL: a few statements a batch on one raw connection.

SQLAlchemy's ORM costs more per row than the rest of a ballot's work, so
the hot path speaks the driver's own dialect (sqlite3 or psycopg) with
executemany and multi-row VALUES. Each batch is one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from shared.db import is_postgres

Outcome = tuple[bytes, str, str | None, int | None, str | None, str | None, int]  # a voting_ballot row
Vote = tuple[str, int, bytes, str, int]  # a voting_vote row
Held = tuple[bytes, str, str, int, str, int, str]  # a voting_held row
Member = tuple[str, str | None, bool, str]  # a voting_member row


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self.pg = is_postgres(engine)
        self._pooled = engine.raw_connection()
        self.db: Any = self._pooled.driver_connection
        if not self.pg:
            self.db.isolation_level = None  # transactions are begun by hand
        self.p = "%s" if self.pg else "?"

    def close(self) -> None:
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

    def vote_of(self, cur: Any, voter_id: str, category: int) -> bytes | None:
        cur.execute(f"SELECT ballot_key FROM voting_vote WHERE voter_id = {self.p} AND category = {self.p}", (voter_id, category))
        row = cur.fetchone()
        return bytes(row[0]) if row else None

    def add_outcomes(self, cur: Any, rows: Sequence[Outcome]) -> None:
        if rows:
            cur.executemany(
                "INSERT INTO voting_ballot (key, ballot_id, voter_id, category, project_id, reason, at_us) "
                f"VALUES ({','.join([self.p] * 7)}) ON CONFLICT (key) DO NOTHING",
                rows,
            )

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
