"""The streams in a backup: every entry by XRANGE, every group's position.

Entries are written as JSON lines (`[id, [[field, value], ...]]`, gzipped)
and put back by XADD with their own ids: unlike DUMP/RESTORE, whose payload
is tied to the server's version, this moves between Redis and Valkey
versions, and a backup can be read with `zcat`. Field values are bytes; the
few that are not UTF-8 (a dead letter's raw text) survive as surrogate
escapes.

A group is put back at its last-delivered id, or just before its first
pending entry when it has some: an entry read but not acknowledged is read
again, which the services' inbox makes harmless. Consumers are not kept;
the services make theirs again when they start.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import redis

from shared import topology

CHUNK = 10_000
LAST_SEQUENCE = 2**64 - 1


def file_name(stream: str) -> str:
    return stream.replace(":", "_") + ".jsonl.gz"


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def _bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def just_before(entry_id: str) -> str:
    ms, seq = _id(entry_id)
    if seq:
        return f"{ms}-{seq - 1}"
    return f"{ms - 1}-{LAST_SEQUENCE}" if ms else "0-0"


def describe(client: redis.Redis, stream: str) -> dict[str, Any] | None:
    """A stream's length, ids and groups (None if it does not exist): the manifest's entry, and the mark
    compared before and after a backup."""
    if not client.exists(stream):
        return None
    info = client.xinfo_stream(stream)
    groups = {}
    for group in client.xinfo_groups(stream):
        name, pending = _text(group["name"]), int(group["pending"])
        first = client.xpending(stream, name)["min"] if pending else None
        groups[name] = {"last_delivered": _text(group["last-delivered-id"]), "pending": pending,
                        "first_pending": _text(first) if first else None}  # fmt: skip
    return {
        "entries": int(info["length"]),
        "last_id": _text(info["last-generated-id"]),
        "entries_added": info.get("entries-added"),
        "max_deleted_id": _text(info["max-deleted-entry-id"]) if info.get("max-deleted-entry-id") else None,
        "groups": groups,
    }


def describe_all(client: redis.Redis) -> dict[str, dict[str, Any]]:
    return {s: found for s in topology.ALL if (found := describe(client, s)) is not None}


def _entries(client: redis.Redis, stream: str) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
    start = "-"
    # The client does not decode replies: entry ids and fields are bytes.
    while batch := cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(stream, min=start, max="+", count=CHUNK)):
        yield from batch
        start = "(" + _text(batch[-1][0])


def dump(client: redis.Redis, stream: str, path: Path) -> int:
    """Every entry of `stream` into `path`; how many."""
    count = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for entry_id, fields in _entries(client, stream):
            out.write(json.dumps([_text(entry_id), [[_text(k), _text(v)] for k, v in fields.items()]]) + "\n")
            count += 1
    return count


def position(group: dict[str, Any]) -> str:
    """Where a group starts again: before its first pending entry, if any (read again, harmlessly)."""
    return just_before(group["first_pending"]) if group["first_pending"] else group["last_delivered"]


def load(client: redis.Redis, stream: str, path: Path, info: dict[str, Any]) -> int:
    """The entries of `path` back on `stream`, its ids and its groups; how many entries."""
    starts = {name: _id(position(group)) for name, group in info["groups"].items()}
    after = dict.fromkeys(starts, 0)  # entries past each group's position: its lag
    count, pipe = 0, client.pipeline(transaction=False)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            entry_id, fields = json.loads(line)
            pipe.xadd(stream, {_bytes(k): _bytes(v) for k, v in fields}, id=entry_id)
            for name, start in starts.items():
                after[name] += _id(entry_id) > start
            count += 1
            if count % CHUNK == 0:
                pipe.execute()
    pipe.execute()
    _restore_ids(client, stream, info, count)
    added = info.get("entries_added") or count
    for name, group in info["groups"].items():
        client.xgroup_create(stream, name, id=position(group), entries_read=added - after[name])
    return count


def _restore_ids(client: redis.Redis, stream: str, info: dict[str, Any], count: int) -> None:
    """The stream's last id and its count of entries ever added, as trimming left them."""
    if not count:  # an empty stream: make it, as a group's MKSTREAM would
        client.xgroup_create(stream, "restore", id="0", mkstream=True)
        client.xgroup_destroy(stream, "restore")
    options: list[Any] = []
    if info.get("entries_added") is not None:
        options += ["ENTRIESADDED", info["entries_added"]]
    if info.get("max_deleted_id"):
        options += ["MAXDELETEDID", info["max_deleted_id"]]
    client.execute_command("XSETID", stream, info["last_id"], *options)


def present(client: redis.Redis) -> list[str]:
    """The system's keys this server already holds."""
    return [key for key in (*topology.ALL, topology.DEADLETTER_REPLAYED) if client.exists(key)]


def dump_replayed(client: redis.Redis, path: Path) -> int:
    """The staff's record of replayed dead letters (a hash)."""
    replayed = {_text(k): _text(v) for k, v in cast(dict[bytes, bytes], client.hgetall(topology.DEADLETTER_REPLAYED)).items()}
    path.write_text(json.dumps(replayed, indent=1))
    return len(replayed)


def load_replayed(client: redis.Redis, path: Path) -> None:
    replayed = json.loads(path.read_text()) if path.is_file() else {}
    if replayed:
        client.hset(topology.DEADLETTER_REPLAYED, mapping={_bytes(k): _bytes(v) for k, v in replayed.items()})
