"""`wsis backup` and `wsis restore`: a system restored into a fresh data dir is the same system, and goes on."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from shared import topology
from tests.support.events import ballot, cloudevent, member, nominees
from tests.support.factories import submission
from tests.support.processes import ROOT, clean_environment
from tests.support.streams import answers_to, put, read
from tests.support.systems import System, has_group
from tests.support.waiting import wait_until


def wsis(*args: str | Path, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "wsis.cli", *map(str, args)]
    env = clean_environment() | ({"WSIS_DATABASE_URL": database_url} if database_url else {})
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def entry(n: int, entity: str) -> dict:
    return cloudevent("wsis.submission.submitted", submission(f"sub-{n}", entity={**submission()["entity"], "entity_id": entity}))


def started(system: System) -> redis.Redis:
    """`wsis up` started, once every service has its group on each of its streams (settling sees groups only)."""
    client = system.start()
    groups = [(stream, s.name) for s in topology.SERVICES.values() for stream in s.reads]
    wait_until(lambda: all(has_group(client, *g) for g in groups), what="every service's groups", timeout=120)
    return client


def a_contest(client: redis.Redis, system: System) -> list[str]:
    """Two entries, three members, the nominee list, five ballots (one refused); the ballots' ids."""
    for n in (1, 2):
        put(client, topology.IN_SUBMISSIONS, entry(n, f"org-{n}"))
    for voter in ("v-1", "v-2", "v-3"):
        put(client, topology.IN_STAKEHOLDERS, member(voter))
    system.settle()
    put(client, topology.OUT_JUDGING, nominees({4: [("sub-1", "org-1"), ("sub-2", "org-2")]}))
    cast = [ballot("v-1", 4, "sub-1"), ballot("v-2", 4, "sub-1"), ballot("v-3", 4, "sub-2"), ballot("v-1", 4, "sub-2"), ballot("nobody", 4, "sub-1")]
    for event in cast:
        put(client, topology.IN_BALLOTS, event)
    system.settle()
    return [event["id"] for event in cast]


def everything(client: redis.Redis) -> dict[str, list]:
    """Every entry of every stream, ids included."""
    return {stream: client.xrange(stream) for stream in topology.ALL if client.exists(stream)}


def results(data_dir: Path) -> dict:
    done = wsis("results", "--json", "--data-dir", data_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_restored_backup_is_the_same_system_and_answers_new_events_exactly_once(tmp_path: Path, database_url: str | None) -> None:
    """SQLite: into a fresh data dir. PostgreSQL: into the same database, which holds the first
    system's schemas, so only with --force; the bus into a fresh data dir either way."""
    if database_url and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore (the PostgreSQL client tools) are not on the PATH")
    database = {"database_url": database_url} if database_url else {}
    first = System(tmp_path / "first", supervisor="wsis up", **database)
    try:
        client = started(first)
        ballots = a_contest(client, first)
        streams, summary = everything(client), results(first.data_dir)
        taken = wsis("backup", tmp_path / "backup", "--data-dir", first.data_dir, database_url=database_url)
        assert taken.returncode == 0, taken.stderr
    finally:
        first.stop()
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert {s: info["entries"] for s, info in manifest["streams"].items()} == {s: len(e) for s, e in streams.items()}
    assert set(manifest["databases"]) == set(topology.SERVICES)
    assert manifest["databases"]["voting"]["bytes"] and manifest["database"] == ("postgresql" if database_url else "sqlite")

    second = System(tmp_path / "second", supervisor="wsis up", **database)
    restore = ("restore", tmp_path / "backup", "--data-dir", second.data_dir)
    if database_url:
        refused = wsis(*restore, database_url=database_url)
        assert refused.returncode == 1 and "not empty (schema " in refused.stderr
    restored = wsis(*restore, *(["--force"] if database_url else []), database_url=database_url)
    assert restored.returncode == 0, restored.stderr
    refused = wsis(*restore, database_url=database_url)
    assert refused.returncode == 1 and "not empty" in refused.stderr
    try:
        client = started(second)
        second.settle()
        assert everything(client) == streams, "nothing answered again, nothing lost"
        assert results(second.data_dir) == summary

        late = ballot("v-2", 4, "sub-2")  # v-2 voted in category 4 before the backup: refused, once
        put(client, topology.IN_BALLOTS, late)
        put(client, topology.IN_STAKEHOLDERS, member("v-4"))
        second.settle()
        fresh = ballot("v-4", 4, "sub-2")
        put(client, topology.IN_BALLOTS, fresh)
        put(client, topology.IN_SUBMISSIONS, entry(3, "org-3"))
        second.settle()
        answers = read(client, topology.OUT_VOTING)
        assert [len(answers_to(answers, b)) for b in ballots] == [1] * len(ballots)
        (refusal,) = answers_to(answers, late["id"])
        assert refusal["type"] == "wsis.vote.rejected" and refusal["data"]["reason"] == "already_voted"
        (accepted,) = answers_to(answers, fresh["id"])
        assert accepted["type"] == "wsis.vote.accepted"
        received = [e for e in read(client, topology.OUT_SUBMISSION) if e["data"].get("submission_id") == "sub-3"]
        assert len(received) == 1
    finally:
        second.stop()


def test_a_backup_needs_a_quiet_system_and_restore_a_backup(tmp_path: Path) -> None:
    missing = wsis("restore", tmp_path / "nothing", "--data-dir", tmp_path / "data")
    assert missing.returncode == 1 and "is not a backup" in missing.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file").write_text("x")
    occupied = wsis("backup", tmp_path / "full", "--data-dir", tmp_path / "data")
    assert occupied.returncode == 1 and "not empty" in occupied.stderr
    nothing = wsis("backup", tmp_path / "new", "--data-dir", tmp_path / "data")
    assert nothing.returncode == 1 and "nothing to back up" in nothing.stderr and not (tmp_path / "new").exists()
