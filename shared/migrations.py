"""Each service's schema, versioned: Alembic revisions in `services/<name>/migrations/`.

A service's database is brought to the newest revision its release knows at
every start (`wsis up`, `wsis run`) and by `wsis db upgrade`:

* a new database: the tables are made from the models and stamped at the
  newest revision (the revisions bring an older store to the same tables);
* a database made before revisions existed (tables, no `alembic_version`): it
  is the schema of release 0.1, stamped at the service's first revision
  (`<service>_0001`), then upgraded;
* a database at a revision this release does not know, made by a newer one:
  refused (`SchemaTooNew`), nothing changed; the service does not start.

Each service's revisions form a line of their own, in its own SQLite file or
its own PostgreSQL schema (`alembic_version` inside it). Replicas starting
together take turns: a PostgreSQL advisory lock, or a lock file beside the
SQLite file.

A start imports Alembic only to run a revision: the revisions' ids are read
from their files as text (`_revisions`), the current one from
`alembic_version` by a SELECT, and a stamp writes the version table Alembic
makes (`version_table`) and its one row. Alembic with Mako
and its dialects is about 140 modules, a tenth of a service's start.
"""

from __future__ import annotations

import ast
import fcntl
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, Engine, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlmodel import SQLModel

from shared.db import create_tables, is_postgres
from shared.logs import get_logger

if TYPE_CHECKING:
    from alembic.config import Config

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = Path(__file__).resolve().parent / "alembic"
VERSION_TABLE = "alembic_version"
log = get_logger()
# Alembic's own lines ("Context impl SQLiteImpl", "Running upgrade") repeat ours (`schema.*`).
logging.getLogger("alembic").setLevel(logging.WARNING)


class SchemaTooNew(RuntimeError):
    """The database was made or upgraded by a newer release than this one."""


@dataclass(frozen=True)
class Upgrade:
    service: str
    before: str | None  # None: a new database
    after: str
    stamped: bool = False  # tables made before revisions existed, stamped at the baseline first

    @property
    def changed(self) -> bool:
        return self.before != self.after


def revisions_dir(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


def config(service: str, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("version_locations", str(revisions_dir(service)))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def _revisions(service: str) -> dict[str, tuple[str, ...]]:
    """revision -> the revisions it follows, of each file of the service's revisions.

    Read once a process (they are part of the release), from the files'
    `revision = "..."` and `down_revision = ...` as Alembic reads them, without
    importing the files (they import Alembic) or Alembic.
    """
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(revisions_dir(service).glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text("utf-8"), str(path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        revision, down = values.get("revision"), values.get("down_revision")
        if isinstance(revision, str):
            found[revision] = (down,) if isinstance(down, str) else tuple(map(str, down)) if isinstance(down, tuple | list) else ()
    return found


def head(service: str) -> str:
    """The newest revision this release knows for the service."""
    revisions = _revisions(service)
    followed = {down for downs in revisions.values() for down in downs}
    heads = sorted(set(revisions) - followed)
    if len(heads) != 1:
        raise RuntimeError(f"{service}: the revisions must form one line, found heads {heads}")
    return heads[0]


def known(service: str) -> set[str]:
    return set(_revisions(service))


def version_table() -> Table:
    """`alembic_version` as Alembic makes it (`DefaultImpl.version_table_impl`)."""
    return Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )


def baseline(service: str) -> str:
    return f"{service}_0001"


def current(connection: Connection) -> str | None:
    """The database's revision (None: no `alembic_version`, or no row in it)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"{VERSION_TABLE} holds more than one revision: {sorted(rows)}")
    return rows[0] if rows else None


def migrate(engine: Engine, service: str, models: Iterable[type[SQLModel]]) -> Upgrade:
    """Bring the service's database to its newest revision; see the module's text."""
    models = list(models)
    with _turn(engine, service):
        with engine.connect() as conn:
            before = current(conn)
            existing = set(inspect(conn).get_table_names())
        target = head(service)
        if before is not None and before not in known(service):
            raise SchemaTooNew(
                f"the {service} database is at revision {before}, which this release does not know "
                f"(its newest is {target}): it was made by a newer release; run that release, or restore a backup"
            )
        if before is None and not existing & {model.__tablename__ for model in models}:
            create_tables(engine, models)
            _stamp(engine, target)
            log.info("schema.created", service=service, revision=target)
            return Upgrade(service, None, target)
        stamped = before is None
        if stamped:
            _stamp(engine, baseline(service))
            before = baseline(service)
            log.info("schema.stamped", service=service, revision=before, reason="tables made before revisions")
        if before != target:
            from alembic import command

            with engine.connect() as conn:
                command.upgrade(config(service, conn), "head")
                conn.commit()
            log.info("schema.upgraded", service=service, before=before, after=target)
        create_tables(engine, models)  # a new table or index the revisions leave to the models: made as modelled
        return Upgrade(service, before, target, stamped)


def _stamp(engine: Engine, revision: str) -> None:
    """What Alembic's stamp writes on a database at no revision: its version table, and the one row."""
    with engine.begin() as conn:
        table = version_table()
        table.create(conn, checkfirst=True)
        conn.execute(table.insert().values(version_num=revision))


@contextmanager
def _turn(engine: Engine, service: str) -> Iterator[None]:
    """One migrating process at a time per service database."""
    if is_postgres(engine):
        key = zlib.crc32(f"wsis-migrate-{service}".encode())
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with os.fdopen(os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600), "r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
