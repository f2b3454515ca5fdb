"""The ballot hot path's SQL: a few statements a batch on one raw connection.

SQLAlchemy's ORM costs more per row than the rest of a ballot's work, so
the hot path speaks the driver's own dialect (sqlite3 or psycopg) with
executemany and multi-row VALUES.

Batches queued while the ledger is busy are committed together (group
commit): ballot ids arrive in random order, so a commit writes a page of
the id index per ballot or so, and one commit for several batches writes
each page once for all of them.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

import orjson
from sqlalchemy import Engine

from services.voting.adapters import checkpoint
from services.voting.domain.merkle import leaf
from services.voting.store import Answer, Held, Profile, Vote
from shared.db import is_postgres
from shared.logs import get_logger

T = TypeVar("T")
BALLOT_COLUMNS = Answer._fields
VOTE_COLUMNS = Vote._fields
MEMBER_COLUMNS = Profile._fields
CACHE_KIB = 128 * 1024
GROUP_LIMIT = 16  # batches a group commit takes at most
CHUNK = 4000  # rows a statement takes at most (bound one a value, 7 columns stay under SQLite's 32,766)
BLOB_WIDTHS = {"key": 16, "ballot_key": 16, "leaf": 32}  # the hot path's binary columns, each of one width
TAKEN_KEY = frozenset({"SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_UNIQUE"})
PG_TYPES = {"category": "integer", "at_us": "bigint", "complete": "boolean"}  # the others are text
log = get_logger()


Packed = tuple[bytes | None, list[bytes]]  # rows as `Ledger._rows` sends them (`Ledger._pack`)
Look = tuple[str, Sequence[Any], bool]  # a look-up of taken keys (`Ledger._taken_query`)


class Table(NamedTuple):
    """A table the hot path inserts into, skipping rows whose unique key is taken."""

    name: str
    columns: tuple[str, ...]
    target: tuple[str, ...]  # the unique key's columns
    key_at: int  # the column `insert` reports of the rows that went in
    look_first: bool = False  # taken keys are common enough to look them up before inserting

    @property
    def key_of(self) -> Callable[[Sequence[Any]], Any]:
        """A row's unique key: a value, or a tuple of them."""
        return itemgetter(*(self.columns.index(name) for name in self.target))


class Chunk(NamedTuple):
    """Rows of one statement, made ready for `Ledger.insert` (`Ledger.chunks`)."""

    table: Table
    rows: Sequence[Sequence[Any]]
    packed: Packed
    keys: list[Any] | None  # their unique keys, with the look-up (a table looked at first)
    look: Look | None


ANSWERS = Table("voting_ballot", BALLOT_COLUMNS, ("key",), 0)
# A voter's second ballot in a category is common enough to look first.
VOTES = Table("voting_vote", VOTE_COLUMNS, ("voter_id", "category"), 2, look_first=True)


class _Queued(Generic[T]):
    __slots__ = ("future", "item", "step")

    def __init__(self, step: Callable[[Any, Any], T], item: Any, future: asyncio.Future[T]) -> None:
        self.step, self.item, self.future = step, item, future


class Ledger:
    def __init__(self, engine: Engine) -> None:
        self.pg = is_postgres(engine)
        self._pooled = engine.raw_connection()
        driver = self._pooled.driver_connection
        if driver is None:  # only a connection the pool has closed lacks it
            raise RuntimeError("the pool gave a closed connection")
        self.db: Any = driver
        if not self.pg:
            self.db.isolation_level = None  # transactions are begun by hand
            # Ballot ids and voters arrive in random order, so every batch
            # dirties pages all over two indexes. A larger cache keeps them in
            # memory, and the log is copied into the database by a thread of
            # its own (adapters/checkpoint.py), never by a commit.
            self.db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            self.db.execute("PRAGMA wal_autocheckpoint = 0")
            # When the log starts again (checkpoint.py), a file grown larger by a burst is cut back.
            self.db.execute(f"PRAGMA journal_size_limit = {checkpoint.LOG_LIMIT_BYTES}")
            # A statement that inserts a chunk journals every page it changes before changing
            # it (to undo the statement alone): in memory, not a temporary file of a page a write.
            self.db.execute("PRAGMA temp_store = MEMORY")
        else:
            # psycopg prepares a statement run five times, and PostgreSQL soon plans a prepared
            # statement once for any parameters: a plan made while the votes were few (a scan of
            # them) then served every batch after, 50 ms and more a batch at 200,000 votes. Each
            # batch's statements are planned for their own keys instead (a fraction of a millisecond).
            self.db.execute("SET plan_cache_mode = force_custom_plan")
            self.db.commit()
        self.p = "%s" if self.pg else "?"
        # What a taken unique key raises (on SQLite, an IntegrityError named as in TAKEN_KEY).
        self._integrity: type[Exception] = sqlite3.IntegrityError
        if self.pg:
            from psycopg.errors import UniqueViolation  # on PostgreSQL alone (73 ms of imports)

            self._integrity = UniqueViolation
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="voting-ledger")
        self._queue: deque[_Queued[Any]] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._checkpointer = None if self.pg or not engine.url.database else checkpoint.Checkpointer(engine.url.database).start()
        # Suspended voters as last read, and their number then (rows are never deleted, so an
        # unchanged number is an unchanged set). Read and written on the ledger's thread alone.
        self._suspended: frozenset[str] = frozenset()
        self._suspended_count = 0

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run `work` on the ledger's own thread: one transaction at a time, in
        order, while the event loop reads and decides the next batch (the
        driver lets go of the GIL while the database works)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, work, *args)

    def group(self, step: Callable[[Any, Any], T], item: Any) -> asyncio.Future[T]:
        """Queue `step(cursor, item)`; the future is its result once committed.

        Queued steps run in order on the ledger's thread; the steps waiting
        when it comes to them share one transaction (at most GROUP_LIMIT). If
        that transaction fails, every step of it fails with the error.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._queue.append(_Queued(step, item, future))
            start, self._draining = not self._draining, True
        if start:
            self._worker.submit(self._drain, loop)
        return future

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """Commit the steps waiting now as one group; then let other work of the
        thread (`run`) have its turn before the next group."""
        with self._lock:
            taken = [self._queue.popleft() for _ in range(min(GROUP_LIMIT, len(self._queue)))]
        try:
            with self.transaction() as cur:
                if self.pg:
                    # Before anything is read: an annulment waits for this group, or this group for it (store.annul).
                    cur.execute("LOCK TABLE voting_vote IN ROW EXCLUSIVE MODE")
                results = [queued.step(cur, queued.item) for queued in taken]
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting step
            loop.call_soon_threadsafe(_settle_all, taken, None, exc)
        else:
            loop.call_soon_threadsafe(_settle_all, taken, results, None)
        self.catch_up()
        with self._lock:
            self._draining = bool(self._queue)
        if self._draining:
            self._worker.submit(self._drain, loop)

    def catch_up(self) -> None:
        """Between two transactions: copy the rest of the write-ahead log into the database if the
        checkpointer asks (adapters/checkpoint.py), so that the next transaction starts the log again."""
        if self._checkpointer is not None and self._checkpointer.wanted():
            try:
                checkpoint.catch_up(self.db)
            except sqlite3.Error as exc:  # the log stays as it is; the next pass asks again
                log.warning("checkpoint.failed", error=str(exc))

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.stop()
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

    def answered(self, cur: Any, keys: Sequence[bytes]) -> dict[bytes, Answer]:
        """Ballots answered before, by answer id."""
        found: dict[bytes, Answer] = {}
        for start in range(0, len(keys), 5000):
            clause, params = self._in(keys[start : start + 5000])
            cur.execute(
                f"SELECT key, ballot_id, voter_id, category, project_id, reason, at_us FROM voting_ballot WHERE key {clause}",
                params,
            )
            for row in cur.fetchall():
                found[bytes(row[0])] = Answer(bytes(row[0]), *row[1:])
        return found

    def add_votes(self, cur: Any, answers: Sequence[Answer]) -> set[bytes]:
        """Insert the vote of each counted answer where the voter has none in the category;
        the answer ids that got in."""
        return self.insert(cur, self.vote_chunks(answers))

    def add_answers(self, cur: Any, rows: Sequence[Answer]) -> set[bytes]:
        """Store answers; the answer ids that were new (the others were stored before)."""
        return self.insert(cur, self.answer_chunks(rows))

    def answer_chunks(self, rows: Sequence[Answer]) -> list[Chunk]:
        """`add_answers`'s rows made ready for `insert`: no database needed, so any thread may."""
        return self.chunks(ANSWERS, rows)

    def vote_chunks(self, answers: Sequence[Answer]) -> list[Chunk]:
        """`add_votes`'s rows made ready for `insert`, as `answer_chunks`."""
        return self.chunks(VOTES, vote_rows(answers))

    def chunks(self, table: Table, rows: Sequence[Sequence[Any]]) -> list[Chunk]:
        """Rows cut in chunks, each with its text for the database (`_pack`) and, for a table looked
        at first, the look-up of its keys: the Python work of `insert`, done before it."""
        key_of = table.key_of
        made = []
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            keys = list(map(key_of, chunk)) if table.look_first else None
            look = self._taken_query(table.name, table.target, keys) if keys is not None else None
            made.append(Chunk(table, chunk, self._pack(table.columns, chunk), keys, look))
        return made

    def insert(self, cur: Any, chunks: Sequence[Chunk]) -> set[bytes]:
        """Insert each chunk's rows, skipping those whose unique key is taken; the keys (the
        table's `key_at` column) of the rows that went in.

        A chunk is first inserted whole, the usual case: no RETURNING row is
        fetched (each fetch lets go of the interpreter lock and waits to take
        it back). A chunk with a taken key is undone, its taken keys looked
        up, and the rest inserted again, the same text without them; only if
        another writer took keys meanwhile (PostgreSQL replicas) does
        RETURNING say which rows went in. A table looked at first has its
        taken keys looked up before the first try.
        """
        new: set[bytes] = set()
        for chunk in chunks:
            table, rows = chunk.table, chunk.rows
            insert = f"INSERT INTO {table.name} ({', '.join(table.columns)}) "
            went_in = rows  # unless some are found taken
            if self.pg:  # a failed statement aborts PostgreSQL's transaction; SQLite undoes the statement alone
                cur.execute("SAVEPOINT chunk")
            if chunk.look is not None or not self._insert_all(cur, insert, table.columns, rows, chunk.packed):
                keys = chunk.keys if chunk.keys is not None else list(map(table.key_of, rows))
                taken = self._taken(cur, table.name, table.target, keys, chunk.look)
                skip = [n for n, key in enumerate(keys) if key in taken] if taken else []
                went_in = _without(rows, skip)
                if went_in and not self._insert_all(cur, insert, table.columns, rows, chunk.packed, skip):
                    select, params = self._rows(table.columns, rows, chunk.packed, skip)
                    conflict = f" ON CONFLICT ({', '.join(table.target)}) DO NOTHING"
                    cur.execute(insert + select + conflict + f" RETURNING {table.columns[table.key_at]}", params)
                    new.update(bytes(key) for (key,) in cur.fetchall())
                    went_in = []
            if self.pg:
                cur.execute("RELEASE SAVEPOINT chunk")
            new.update(map(itemgetter(table.key_at), went_in))
        return new

    def _pack(self, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> Packed:
        """The rows as `_rows` sends them: the plain columns as one JSON document and each binary
        column as one value; (None, []) if they cannot go so (then a parameter a value)."""
        return self._as_json(columns, rows, *_layout(columns))

    def _rows(
        self, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], packed: Packed | None = None, skip: Sequence[int] = ()
    ) -> tuple[str, Sequence[Any]]:
        """A SELECT of `rows` (but those at the positions in `skip`) and its parameters, for `INSERT ... SELECT`.

        Binding a parameter holds the interpreter lock, and a batch has
        thousands: the rows go instead as one JSON document, and each
        fixed-width binary column as one value cut by the database, so the
        lock is held for one `orjson.dumps` while the database reads them
        (`packed`: that done before, by `_pack`). A row JSON cannot carry
        exactly (a NUL in a text, which SQLite's JSON functions cut short; a
        binary value of another width) goes the plain way, a parameter a value.
        """
        doc, cut = packed if packed is not None else self._pack(columns, rows)
        if doc is None:
            rows = _without(rows, skip)
            return "VALUES " + self._values(rows), _flat(rows)
        blobs, plain = _layout(columns)
        index = {n: i for i, n in enumerate(plain)}
        if self.pg:
            parts = [
                f"substring(%s::bytea from ((j.n - 1) * {BLOB_WIDTHS[name]} + 1)::integer for {BLOB_WIDTHS[name]}) AS {name}" if n in blobs
                else f"(j.value->>{index[n]})::{PG_TYPES.get(name, 'text')} AS {name}"
                for n, name in enumerate(columns)
            ]
            # jsonb: parsed once, each `->>` a look-up (on json every `->>` parses the row's text again).
            select = f"SELECT {', '.join(parts)} FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS j(value, n)"
            if skip:  # WITH ORDINALITY counts from 1
                return select + " WHERE NOT (j.n = ANY(%s::bigint[]))", [*cut, doc.decode(), [n + 1 for n in skip]]
            return select, [*cut, doc.decode()]
        numbers = {n: k for k, n in enumerate(blobs, 1)}
        parts = [
            f"substr(?{numbers[n]}, j.key * {BLOB_WIDTHS[name]} + 1, {BLOB_WIDTHS[name]}) AS {name}" if n in blobs
            else f"j.value->>{index[n]} AS {name}"
            for n, name in enumerate(columns)
        ]
        select = f"SELECT {', '.join(parts)} FROM json_each(?{len(blobs) + 1}) AS j"
        if skip:  # json_each's key is the element's position from 0
            return select + f" WHERE j.key NOT IN (SELECT value FROM json_each(?{len(blobs) + 2}))", [*cut, doc, orjson.dumps(list(skip))]
        # `WHERE true`: SQLite would read the ON CONFLICT that follows as a join's constraint.
        return select + " WHERE true", [*cut, doc]

    @staticmethod
    def _as_json(columns: tuple[str, ...], rows: Sequence[Sequence[Any]], blobs: list[int], plain: list[int]) -> Packed:
        """The plain columns as one JSON document, each binary column as one value; (None, []) if they cannot go so."""
        try:
            doc = orjson.dumps(list(map(itemgetter(*plain), rows)) if len(plain) > 1 else [[row[plain[0]]] for row in rows])
        except orjson.JSONEncodeError:
            return None, []
        if b"\\u0000" in doc:
            return None, []
        cut = [b"".join(map(itemgetter(n), rows)) for n in blobs]
        if any(len(value) != BLOB_WIDTHS[columns[n]] * len(rows) for n, value in zip(blobs, cut, strict=True)):
            return None, []
        return doc, cut

    def _values(self, rows: Sequence[Sequence[Any]]) -> str:
        return ",".join([f"({','.join([self.p] * len(rows[0]))})"] * len(rows))

    def _insert_all(
        self, cur: Any, insert: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]], packed: Packed | None = None,
        skip: Sequence[int] = (),
    ) -> bool:
        """Insert (but the rows at the positions in `skip`); True if every row went in, else nothing of it stays.

        A plain INSERT, not ON CONFLICT DO NOTHING: the usual chunk has no
        taken key, and PostgreSQL's speculative insertion (the conflict
        clause) looks each key up before inserting it and logs a third
        record a row, about half the statement's work. A taken key fails
        the statement: SQLite undoes that statement alone (its ABORT
        conflict resolution, the transaction going on), PostgreSQL's
        savepoint is rolled back to (its transaction would be aborted).
        """
        select, params = self._rows(columns, rows, packed, skip)
        try:
            cur.execute(insert + select, params)
        except self._integrity as exc:
            if not self.pg and getattr(exc, "sqlite_errorname", None) not in TAKEN_KEY:
                raise
            if self.pg:
                cur.execute("ROLLBACK TO SAVEPOINT chunk")
            return False
        return True

    def _taken(self, cur: Any, table: str, target: tuple[str, ...], keys: Sequence[Any], query: Look | None = None) -> set[Any]:
        """Which of these unique keys (values, or tuples for a key of several columns) are in `table`
        already; `query`: `_taken_query`'s for them, made before."""
        sql, params, as_json = query if query is not None else self._taken_query(table, target, keys)
        cur.execute(sql, params)
        if as_json:
            return set(map(tuple, orjson.loads(cur.fetchone()[0])))
        if len(target) == 1:
            return {bytes(key) if isinstance(key, memoryview) else key for (key,) in cur.fetchall()}
        return set(map(tuple, cur.fetchall()))

    def _taken_query(self, table: str, target: tuple[str, ...], keys: Sequence[Any]) -> Look:
        """The look-up of `_taken`: its text, its parameters, and whether its one row is a JSON array of the keys found."""
        if len(target) == 1:
            clause, params = self._in(keys)
            return f"SELECT {target[0]} FROM {table} WHERE {target[0]} {clause}", params, False
        names = ", ".join(f"t.{name}" for name in target)
        if self.pg:
            # One array a column, unnested: two parameters, not two a key. A statement of thousands
            # of placeholders is longer than psycopg caches (4,096 characters), so each batch's
            # would be parsed again in Python, holding the interpreter lock. Not JSON: with custom
            # plans (`plan_cache_mode`, set above) PostgreSQL counts a constant array's elements and
            # looks each key up in the index, where JSON rows of unknown number got a scan of every vote.
            arrays = [list(column) for column in zip(*keys, strict=True)]
            unnest = ", ".join(f"%s::{PG_TYPES.get(name, 'text')}[]" for name in target)
            on = " AND ".join(f"t.{name} = k.{name}" for name in target)
            return f"SELECT {names} FROM unnest({unnest}) AS k({', '.join(target)}) JOIN {table} AS t ON {on}", arrays, False
        select, params = self._rows(target, keys)
        columns = target  # the keys' columns, named as the table's
        if select.startswith("VALUES"):  # the plain way's columns are column1, column2, ...
            select, columns = f"SELECT * FROM ({select}) AS v", tuple(f"column{n}" for n in range(1, len(target) + 1))
        on = " AND ".join(f"t.{name} = k.{column}" for name, column in zip(target, columns, strict=True))
        # A join from the keys, each looked up in the table's unique index (not a row value IN,
        # which SQLite would answer by a scan). The keys found come back as one JSON row: each row
        # fetched lets go of the interpreter lock and waits to take it back from the event loop.
        return f"SELECT json_group_array(json_array({names})) FROM ({select}) AS k JOIN {table} AS t ON {on}", params, True

    def suspended(self, cur: Any) -> frozenset[str]:
        """The voters staff suspended (annulments.py), as committed when the transaction began."""
        cur.execute("SELECT COUNT(*) FROM voting_suspended")
        count = int(cur.fetchone()[0])
        if count != self._suspended_count:
            cur.execute("SELECT voter_id FROM voting_suspended")
            self._suspended = frozenset(voter for (voter,) in cur.fetchall())
            self._suspended_count = count
        return self._suspended

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

    def held(self, limit: int) -> list[Held]:
        """The oldest held ballots (a transaction of its own: they are released by a later one)."""
        with self.transaction() as cur:
            cur.execute(
                f"SELECT key, ballot_id, voter_id, category, project_id, at_us, position FROM voting_held ORDER BY position LIMIT {int(limit)}"
            )
            return [Held(bytes(r[0]), *r[1:]) for r in cur.fetchall()]

    def release(self, cur: Any, keys: Sequence[bytes]) -> None:
        if keys:
            clause, params = self._in(keys)
            cur.execute(f"DELETE FROM voting_held WHERE key {clause}", params)

    def owe(self, cur: Any, keys: Sequence[bytes]) -> int:
        """Record answers owed (a released hold's); the marker's number, to pay it once published."""
        cur.execute(f"INSERT INTO voting_owed (keys) VALUES ({self.p}) RETURNING seq", [b"".join(keys)])
        return int(cur.fetchone()[0])

    def owed(self) -> list[tuple[int, list[bytes]]]:
        """Every owed marker: (its number, the answer ids it owes)."""
        with self.transaction() as cur:
            cur.execute("SELECT seq, keys FROM voting_owed ORDER BY seq")
            return [(seq, [bytes(keys[i : i + 16]) for i in range(0, len(keys), 16)]) for seq, keys in cur.fetchall()]

    def pay(self, seqs: Sequence[int]) -> None:
        """The owed answers were published: forget them."""
        if seqs:
            with self.transaction() as cur:
                clause, params = self._in(seqs)
                cur.execute(f"DELETE FROM voting_owed WHERE seq {clause}", params)

    def add_members(self, cur: Any, rows: Sequence[Profile]) -> None:
        """Upsert profiles; a row already stored from a later entry stays."""
        latest: dict[str, Profile] = {}
        for row in rows:  # one row a member: PostgreSQL updates a row at most once a statement
            if row.user_id not in latest or row.position > latest[row.user_id].position:
                latest[row.user_id] = row
        unique = list(latest.values())
        for start in range(0, len(unique), CHUNK):
            select, params = self._rows(MEMBER_COLUMNS, unique[start : start + CHUNK])
            cur.execute(
                f"INSERT INTO voting_member ({', '.join(MEMBER_COLUMNS)}) {select} ON CONFLICT (user_id) DO UPDATE SET "
                "entity_id = excluded.entity_id, complete = excluded.complete, position = excluded.position, "
                "org_key = excluded.org_key "
                "WHERE excluded.position > voting_member.position",
                params,
            )

    def members(self, cur: Any) -> Iterator[tuple[str, str | None, bool, str | None]]:
        """(user_id, entity_id, complete, org_key) of every stored profile."""
        cur.execute("SELECT user_id, entity_id, complete, org_key FROM voting_member")
        while rows := cur.fetchmany(10_000):
            for user_id, entity_id, complete, org_key in rows:
                yield user_id, entity_id, bool(complete), org_key

    def nominees(self, cur: Any) -> list[tuple[str, int, str, str]]:
        cur.execute("SELECT project_id, category, entity_id, list_event_id FROM voting_nominee")
        return list(cur.fetchall())


def vote_rows(answers: Sequence[Answer]) -> list[tuple[Any, ...]]:
    """The `Vote` row (VOTE_COLUMNS) of each counted answer, as the driver's parameters (no object a
    ballot); its leaf of `ballots_root` is hashed here, once, so a report only orders and folds."""
    return [
        (voter, category, key, project, at, leaf(ballot_id, category, project), ballot_id)  # type: ignore[arg-type]  # counted answers: category and project set
        for key, ballot_id, voter, category, project, _, at in answers  # unpacked: cheaper than six attribute reads a vote
    ]


def _layout(columns: tuple[str, ...]) -> tuple[list[int], list[int]]:
    """The positions of the binary columns (each sent as one value) and of the others (one JSON document)."""
    blobs = [n for n, name in enumerate(columns) if name in BLOB_WIDTHS]
    return blobs, [n for n in range(len(columns)) if n not in blobs]


def _without(rows: Sequence[Sequence[Any]], skip: Sequence[int]) -> Sequence[Sequence[Any]]:
    """The rows but those at the positions in `skip`."""
    if not skip:
        return rows
    skipped = set(skip)
    return [row for n, row in enumerate(rows) if n not in skipped]


def _flat(rows: Sequence[Sequence[Any]]) -> list[Any]:
    return [value for row in rows for value in row]


def _settle_all(taken: list[_Queued[Any]], results: list[Any] | None, error: BaseException | None) -> None:
    for n, queued in enumerate(taken):
        if queued.future.done():  # its waiter was cancelled
            continue
        if error is not None:
            queued.future.set_exception(error)
        else:
            queued.future.set_result(results[n])  # type: ignore[index]
