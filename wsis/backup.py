"""`wsis backup DIR` and `wsis restore DIR`: the streams and every service's database, with a manifest.

Consistency: the backup must see a quiet system. It notes every stream's
length and last id and every group's position and pending entries, copies
the databases, dumps the streams, and notes them again: if anything moved
meanwhile (a publisher, a service answering, the ticker), it fails and
keeps nothing. A service's effects, its inbox and its outbox share one
transaction and its answers and acknowledgement one MULTI/EXEC, so with
nothing moving the databases and the streams tell one story. Stop the
services and publishers first (in containers, scale them to 0), or back up
an idle `wsis up`, or one stopped: then its data dir's server is started
for the backup alone.

`restore` writes a stopped system: into the data dir of no running
`wsis up` (its server started for the restore) or the server of
`--redis-url`, and refuses one that already holds streams or databases
unless `--force`, which replaces them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import redis
import typer

from shared.settings import Settings
from wsis import backup_db, backup_streams
from wsis.embedded import EmbeddedValkey
from wsis.lock import DataDirInUse, hold_data_dir
from wsis.ops_cli import DataDir, RedisUrl
from wsis.target import EXIT_FAILED, NoSystem, answering, locate, operator_errors, settings_for

FORMAT = "wsis-backup/1"
# A server reads its whole append-only file before it answers: about a minute for the 2 GB of
# the 2021 contest on a busy machine.
SERVER_START_SECONDS = 600.0
Directory = Annotated[Path, typer.Argument(help="the backup's directory")]


class BackupError(RuntimeError):
    """The backup or restore cannot be done as asked."""


@contextmanager
def _server(settings: Settings, *, restoring: bool) -> Iterator[redis.Redis]:
    """The system's server: `--redis-url`'s, a running `wsis up`'s (backup only), else the data dir's own, started here."""
    if settings.redis_url:
        yield _answering(settings)
        return
    data_dir = settings.data_dir.resolve()
    if restoring:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not (data_dir / "valkey").is_dir():
        raise NoSystem(f"nothing to back up: no `wsis up` has run on {data_dir}; give --redis-url or the --data-dir of a system")
    try:
        lock = hold_data_dir(data_dir)  # no `wsis up` may start on it meanwhile
    except DataDirInUse as exc:
        if restoring:
            raise BackupError(f"{exc}: restore writes a stopped system") from None
        yield _answering(settings)
        return
    try:
        # The data dir's own bound (WSIS_VALKEY_MAXMEMORY): a big contest's restore may need it raised.
        server = EmbeddedValkey(data_dir, maxmemory=settings.valkey_maxmemory)
        try:
            server.start(timeout=SERVER_START_SECONDS)
        except RuntimeError as exc:
            raise BackupError(str(exc)) from None
        try:
            typer.echo(f"reading {data_dir} (no `wsis up` runs on it: its server started for this command)", err=True)
            yield redis.Redis.from_url(server.url, socket_timeout=60)
        finally:
            server.stop(timeout=600)  # it writes its append-only file out first
    finally:
        os.close(lock)


def _answering(settings: Settings) -> redis.Redis:
    target = locate(settings)
    client = answering(target)
    typer.echo(target.describe(), err=True)
    return client


def _server_version(client: redis.Redis) -> dict[str, str]:
    info = client.info("server")
    name = "valkey" if "valkey_version" in info else "redis"
    return {"name": name, "version": str(info.get(f"{name}_version", info.get("redis_version")))}


def take(client: redis.Redis, settings: Settings, into: Path) -> dict[str, Any]:
    """The backup into `into` (a new directory); its manifest."""
    into.mkdir(mode=0o700)
    before = backup_streams.describe_all(client)
    databases = backup_db.dump(settings, into / "db")
    (into / "streams").mkdir(mode=0o700)
    for stream in before:
        backup_streams.dump(client, stream, into / "streams" / backup_streams.file_name(stream))
    replayed = backup_streams.dump_replayed(client, into / "deadletter-replayed.json")
    after = backup_streams.describe_all(client)
    if after != before:
        moved = sorted(s for s in {*before, *after} if before.get(s) != after.get(s))
        raise BackupError(f"the system moved during the backup ({', '.join(moved)}): stop the services and publishers and try again")
    manifest = {
        "format": FORMAT,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wsis": version("wsis-prizes"),
        "server": _server_version(client),
        "database": backup_db.kind(settings),
        "streams": {s: {**info, "file": backup_streams.file_name(s)} for s, info in before.items()},
        "deadletters_replayed": replayed,
        "databases": databases,
    }
    (into / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for path in into.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)  # personal data: the owner's alone
    return manifest


def put_back(client: redis.Redis, settings: Settings, source: Path, manifest: dict[str, Any], force: bool) -> None:
    occupied = backup_streams.present(client) + backup_db.present(settings)
    if occupied and not force:
        raise BackupError(f"the target is not empty ({', '.join(occupied[:4])}{', ...' if len(occupied) > 4 else ''}); --force replaces it")
    if keys := backup_streams.present(client):
        client.delete(*keys)
    backup_db.clear(settings)  # and an empty schema a service made: pg_restore makes it again
    backup_db.load(settings, source / "db", manifest["databases"])
    for stream, info in manifest["streams"].items():
        count = backup_streams.load(client, stream, source / "streams" / info["file"], info)
        if count != info["entries"] or client.xlen(stream) != count:
            raise BackupError(f"{stream}: {count} entries restored, the manifest says {info['entries']}")
    backup_streams.load_replayed(client, source / "deadletter-replayed.json")


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}")
    return manifest


@contextmanager
def _failures() -> Iterator[None]:
    try:
        yield
    except (BackupError, backup_db.DatabaseError, DataDirInUse) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_FAILED) from None


def backup(directory: Directory, redis_url: RedisUrl = None, data_dir: DataDir = None) -> None:
    """Back up the streams and every service's database into DIR (new or empty); the system must be quiet."""
    partial = directory.with_name(directory.name + ".partial")
    with operator_errors(), _failures():
        if directory.exists() and any(directory.iterdir()):
            raise BackupError(f"{directory} is not empty: choose a new directory")
        settings = settings_for(redis_url, data_dir)
        shutil.rmtree(partial, ignore_errors=True)
        try:
            with _server(settings, restoring=False) as client:
                manifest = take(client, settings, partial)
            os.replace(partial, directory)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    entries = sum(s["entries"] for s in manifest["streams"].values())
    typer.echo(f"backed up {entries} entries on {len(manifest['streams'])} streams and {len(manifest['databases'])} databases into {directory}")


def restore(
    directory: Directory,
    redis_url: RedisUrl = None,
    data_dir: DataDir = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the streams and databases the target already holds.")] = False,
) -> None:
    """Restore a backup into a stopped system (a data dir no `wsis up` runs on, or --redis-url's server)."""
    with operator_errors(), _failures():
        manifest = read_manifest(directory)
        settings = settings_for(redis_url, data_dir)
        with _server(settings, restoring=True) as client:
            put_back(client, settings, directory, manifest, force)
    entries = sum(s["entries"] for s in manifest["streams"].values())
    typer.echo(f"restored {entries} entries on {len(manifest['streams'])} streams and {len(manifest['databases'])} databases")
