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
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

from shared.db import create_tables, is_postgres
from shared.logs import get_logger

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
    cfg = Config()
    cfg.set_main_option("script_location", str(ENVIRONMENT))
    cfg.set_main_option("version_locations", str(revisions_dir(service)))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def _scripts(service: str) -> ScriptDirectory:
    """The service's revisions, read once a process (they are part of the release)."""
    return ScriptDirectory.from_config(config(service))


def head(service: str) -> str:
    """The newest revision this release knows for the service."""
    heads = _scripts(service).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"{service}: the revisions must form one line, found heads {heads}")
    return heads[0]


def known(service: str) -> set[str]:
    return {script.revision for script in _scripts(service).walk_revisions()}


def baseline(service: str) -> str:
    return f"{service}_0001"


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


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
            _stamp(engine, service, target)
            log.info("schema.created", service=service, revision=target)
            return Upgrade(service, None, target)
        stamped = before is None
        if stamped:
            _stamp(engine, service, baseline(service))
            before = baseline(service)
            log.info("schema.stamped", service=service, revision=before, reason="tables made before revisions")
        if before != target:
            with engine.connect() as conn:
                command.upgrade(config(service, conn), "head")
                conn.commit()
            log.info("schema.upgraded", service=service, before=before, after=target)
        create_tables(engine, models)  # a new table or index the revisions leave to the models: made as modelled
        return Upgrade(service, before, target, stamped)


def _stamp(engine: Engine, service: str, revision: str) -> None:
    with engine.connect() as conn:
        command.stamp(config(service, conn), revision)
        conn.commit()


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
