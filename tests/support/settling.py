"""When a running system is quiet: every service up and reading, no group with
work left, the streams no longer growing.

A test that plays a contest in phases waits for this between phases, as the
platforms would wait for a deadline; a fault test waits for it before it
kills a service, so each kill ends a process that was really running.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from shared import topology
from tests.support.waiting import wait_until

Processes = dict[str, subprocess.Popen[bytes]]


def reading(admin: redis.Redis, name: str, pid: int) -> bool:
    """Whether the process `pid` of service `name` is a consumer in its group (consumer names carry the pid)."""
    marker = f"-{pid}-".encode()
    for stream in topology.ALL:
        try:
            if any(marker in c["name"] for c in admin.xinfo_consumers(stream, name)):
                return True
        except redis.ResponseError:
            continue
    return False


def up(admin: redis.Redis, name: str, pid: int) -> bool:
    """`reading`, and False while the server itself does not answer."""
    try:
        return reading(admin, name, pid)
    except redis.RedisError:
        return False


def busy(admin: redis.Redis, processes: Processes) -> list[str]:
    """What keeps the system from being quiet: a service not up and reading,
    a group with entries left to read or retry. Empty when quiet."""
    found = []
    for name, process in processes.items():
        if process.poll() is not None or not reading(admin, name, process.pid):
            found.append(f"{name} (pid {process.pid}) not reading")
    for stream in topology.ALL:
        if not admin.exists(stream):
            continue
        for group in admin.xinfo_groups(stream):
            if group["pending"] or group.get("lag"):
                found.append(f"{stream}/{group['name'].decode()}: pending {group['pending']}, lag {group.get('lag')}")
    return found


@dataclass
class Calm:
    """How long the system has been quiet with its streams unchanged, from one look to the next."""

    admin: redis.Redis
    processes: Processes
    busy: list[str] = field(default_factory=lambda: ["no answer yet"])
    lengths: list[int] | None = None
    since: float | None = None

    def lasted(self, still: float) -> bool:
        try:
            found, lengths = busy(self.admin, self.processes), [self.admin.xlen(s) for s in topology.ALL]
        except redis.RedisError as exc:
            found, lengths = [str(exc)], None
        steady = not found and lengths == self.lengths
        self.busy, self.lengths = found, lengths
        self.since = (self.since or time.monotonic()) if steady else None
        return self.since is not None and time.monotonic() - self.since >= still


def settle(admin: redis.Redis, processes: Processes, logs: Path, timeout: float = 300.0, still: float = 1.5) -> None:
    """Wait until the system is quiet and the streams stop growing for `still` seconds."""
    calm = Calm(admin, processes)
    wait_until(lambda: calm.lasted(still), what=lambda: f"the system to settle: {calm.busy}; see {logs}", timeout=timeout)
