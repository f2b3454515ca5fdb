"""The services' databases in a backup: SQLite by its online backup API, PostgreSQL by pg_dump.

SQLite: one file a service (`<data dir>/db/<service>.sqlite`), copied page
by page by `sqlite3`'s backup API, which gives a consistent copy even while
a service writes, write-ahead log included. PostgreSQL (`WSIS_DATABASE_URL`):
one schema a service, each dumped by `pg_dump --schema` in its custom format
and put back by `pg_restore`; both must be on the PATH (the
`postgresql-client` package), of the server's major version or newer.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from shared import topology
from shared.settings import Settings

SERVICES = tuple(topology.SERVICES)


class DatabaseError(RuntimeError):
    """A database could not be backed up or restored."""


def kind(settings: Settings) -> str:
    url = settings.database_url
    if url and not url.startswith("postgres"):
        raise DatabaseError("backup knows SQLite under the data dir and PostgreSQL; back up the file of WSIS_DATABASE_URL yourself")
    return "postgresql" if url else "sqlite"


def sqlite_file(settings: Settings, service: str) -> Path:
    return Path(settings.data_dir).resolve() / "db" / f"{service}.sqlite"


def _libpq(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    return "postgresql" + sep + rest if sep else url  # postgresql+psycopg:// is SQLAlchemy's, not libpq's


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise DatabaseError(f"{name} not found: install the PostgreSQL client tools, or back up the database with your provider's tools")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise DatabaseError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def _row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # The copy takes the source's WAL mode with its pages; one file, no -wal beside it, is what
    # a backup wants (a service turns WAL on again when it opens the restored file).
    dst.execute("PRAGMA journal_mode=DELETE")
    src.close()
    dst.close()
    os.chmod(target, 0o600)


def dump(settings: Settings, into: Path) -> dict[str, dict[str, Any]]:
    """Every service's database into `into`; per service its file, size and (SQLite) rows per table."""
    into.mkdir(mode=0o700)
    if kind(settings) == "postgresql":
        url = _libpq(settings.database_url or "")
        return {service: _pg_dump(url, service, into) for service in _pg_tables(url)}
    found: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        if (source := sqlite_file(settings, service)).is_file():
            target = into / f"{service}.sqlite"
            _sqlite_copy(source, target)
            found[service] = {"file": target.name, "bytes": target.stat().st_size, "rows": _row_counts(target)}
    return found


def _pg_dump(url: str, service: str, into: Path) -> dict[str, Any]:
    target = into / f"{service}.pgdump"
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={service}", f"--file={target}", f"--dbname={url}"])
    return {"file": target.name, "bytes": target.stat().st_size}


def _pg_tables(url: str) -> dict[str, int]:
    """Per schema of a service that exists, its number of tables."""
    from sqlalchemy import create_engine, text  # here: `wsis health`, a probe, starts without it
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), hide_parameters=True)
    query = text(
        "SELECT n.nspname, count(c.oid) FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind = 'r'"
        " WHERE n.nspname = ANY(:schemas) GROUP BY n.nspname"
    )
    try:
        with engine.connect() as conn:
            return {name: int(count) for name, count in conn.execute(query, {"schemas": list(SERVICES)})}
    finally:
        engine.dispose()


def present(settings: Settings) -> list[str]:
    """The services whose database already holds something."""
    if kind(settings) == "postgresql":
        url = _libpq(settings.database_url or "")
        return [f"schema {name}" for name, tables in _pg_tables(url).items() if tables]
    return [str(sqlite_file(settings, s)) for s in SERVICES if sqlite_file(settings, s).exists()]


def clear(settings: Settings) -> None:
    """Remove every service's database (restore --force)."""
    if kind(settings) == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(_libpq(settings.database_url or "").replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            for service in SERVICES:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{service}" CASCADE'))
        engine.dispose()
        return
    for service in SERVICES:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_file(settings, service)}{suffix}").unlink(missing_ok=True)


def load(settings: Settings, source: Path, databases: dict[str, dict[str, Any]]) -> None:
    """The backup's databases back where the services find them."""
    for service, found in databases.items():
        if kind(settings) == "postgresql":
            _run([_tool("pg_restore"), "--no-owner", f"--dbname={_libpq(settings.database_url or '')}", str(source / found["file"])])
            continue
        target = sqlite_file(settings, service)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sqlite_copy(source / found["file"], target)
        if _row_counts(target) != found["rows"]:
            raise DatabaseError(f"{target}: the restored rows differ from the backup's manifest")
