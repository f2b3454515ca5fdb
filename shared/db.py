"""Database helpers: one engine per service, SQLite by default, PostgreSQL by URL.

With SQLite each service has its own file under the data dir. With
PostgreSQL each service has its own schema in the database named by
`WSIS_DATABASE_URL`, so the services share a server but no tables. In
production each service connects as its own role (`wsis db roles`), which
owns its schema and has no rights on the others': `WSIS_DATABASE_URL_<SERVICE>`
(or a `WSIS_DATABASE_URL` set per container) names that role.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, event, text
from sqlmodel import SQLModel, create_engine


def _postgres_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def service_database_url(service: str, default: str | None) -> str | None:
    """The service's own URL (`WSIS_DATABASE_URL_VOTING`...) where one is set."""
    own = os.environ.get(f"WSIS_DATABASE_URL_{service.upper().replace('-', '_')}", "").strip()
    return own or default


def make_engine(service: str, data_dir: Path, database_url: str | None = None) -> Engine:
    if database_url and database_url.startswith("postgres"):
        return _postgres_engine(service, _postgres_url(database_url))
    if database_url:
        return _sqlite_engine(database_url)
    path = Path(data_dir) / "db" / f"{service}.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return _sqlite_engine(f"sqlite:///{path}")


def _sqlite_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's values (a coordinator's name or
    # address) never reach an exception message, and so never a log line.
    engine = create_engine(url, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL with synchronous=NORMAL survives a crash of the process (not
        # of the machine's power) and lets readers run beside the writer.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _postgres_engine(service: str, url: str) -> Engine:
    schema = service.replace("-", "_")
    bootstrap = create_engine(url, isolation_level="AUTOCOMMIT", hide_parameters=True)
    with bootstrap.connect() as conn:
        # A service's own role owns its schema but may not create schemas:
        # it creates one only where none exists (the default, one-user run).
        exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first()
        if exists is None:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    bootstrap.dispose()
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": f"-csearch_path={schema}"},
    )


def create_tables(engine: Engine, models: Iterable[type[SQLModel]]) -> None:
    # SQLModel gives a table model its __table__ when the class is made; its type does not declare it.
    tables: list[Table] = [model.__table__ for model in models]  # type: ignore[attr-defined]
    SQLModel.metadata.create_all(engine, tables=tables)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
