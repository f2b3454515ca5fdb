"""Notify benchmark: how fast emails leave.

    uv run python -m bench.notify [--emails 2000] [--only maildir] [--connections 2] [--profile FILE]

(The ballots' answers on wsis:out:voting are not read by notify: it reads
voting's reports on their internal copy, `topology.VOTING_REPORTS`.)

`emails`: weekly progress notices for N nominated projects, from the
   `wsis.voting.progress` event to the last `wsis.notification.sent`,
   through a local SMTP server and through the Maildir: emails per
   second, and the CPU time of this process (user + system, every thread)
   per email over the same span: the notify service's alone (queueing,
   rendering, writing or sending, recording, publishing). The SMTP server
   (aiosmtpd, `smtp_server.py`) runs in a process of its own, as a relay
   would; it counts what it accepted, and the run fails unless it accepted
   every email, each Message-ID once. Its CPU is shown apart; into the
   Maildir, so is the CPU spent in the file calls (the kernel creating,
   writing, syncing and renaming the files, which the state of the file
   system and other work on the machine make vary).
Embedded Valkey, SQLite; everything on this machine. `--profile FILE`
writes a cProfile of the email phase (CPU time of the event loop's thread).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from services.notify.adapters.settings import MailSettings
from services.notify.app import build
from shared import topology
from shared.settings import Settings
from tests.support.events import cloudevent
from tests.support.smtp_sink import free_port
from wsis.embedded import EmbeddedValkey


class SmtpServer:
    """`with SmtpServer() as server:` ... `server.url`; `server.received` once out of the block."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: dict[str, Any] = {}
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        command = [sys.executable, "-m", "bench.notify.smtp_server", str(self.port)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the benchmark's SMTP server did not start")
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        out = self.process.communicate(timeout=30)[0]  # closes its input: it stops and tells
        self.received = json.loads(out.strip().splitlines()[-1])


def event(kind: str, data: dict, i: int, time_: str = "2021-03-02T10:00:00Z") -> bytes:
    return json.dumps(cloudevent(kind, data, time_=time_, id_=f"{kind}-{i}", source="wsis-prizes/voting")).encode()


async def fill(client: aioredis.Redis, stream: str, bodies: list[bytes]) -> None:
    for start in range(0, len(bodies), 5000):
        async with client.pipeline(transaction=False) as pipe:
            for body in bodies[start : start + 5000]:
                pipe.xadd(stream, {"__data__": body})
            await pipe.execute()


async def drained(client: aioredis.Redis, stream: str, group: str) -> bool:
    groups = {g["name"].decode(): g for g in await client.xinfo_groups(stream)}
    info = groups.get(group)
    if not info:
        return False
    return info["pending"] == 0 and info.get("lag") == 0


class FileClock:
    """The CPU time spent in the Maildir's file calls (creating, writing,
    syncing, renaming, closing: the kernel's work, every thread's): the
    benchmark wraps them in `os` (and `io.open`, which `Path.write_bytes`
    calls), the service does not know."""

    CALLS = ((os, "open"), (os, "write"), (os, "fsync"), (os, "rename"), (os, "close"), (io, "open"))

    def __init__(self) -> None:
        self.seconds = 0.0
        self.lock = threading.Lock()
        self.real = [(module, name, getattr(module, name)) for module, name in self.CALLS]

    def __enter__(self) -> FileClock:
        for module, name, real in self.real:
            setattr(module, name, self._timed(real))
        return self

    def _timed(self, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent = time.thread_time() - began
                with self.lock:
                    self.seconds += spent

        return call

    def __exit__(self, *_: object) -> None:
        for module, name, real in self.real:
            setattr(module, name, real)


async def bench_emails(settings: Settings, client: aioredis.Redis, count: int, connections: int,
                       profile: Path | None = None) -> tuple[float, float, float]:
    """Emails per second, CPU seconds per email, and of them those in the file calls."""
    received = [event("wsis.submission.received", {**contact(i)}, i, "2021-01-10T10:00:00Z") for i in range(count)]
    await fill(client, topology.OUT_SUBMISSION, received)
    projects = [{"project_id": f"p-{i}", "votes": i, "rank": count - i} for i in range(count)]
    service = build(settings, MailSettings(poll_seconds=0.01, connections=connections))
    profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU time of the event loop's thread
    async with service.app:
        while not await drained(client, topology.OUT_SUBMISSION, "notify"):  # addresses read
            await asyncio.sleep(0.02)
        with FileClock() as files:
            return await _emails(client, count, projects, profiler, profile, files)


async def _emails(client: aioredis.Redis, count: int, projects: list[dict[str, Any]], profiler: cProfile.Profile | None,
                  profile: Path | None, files: FileClock) -> tuple[float, float, float]:
    """From the progress event in to the last outcome event out."""
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    week = {"week": 1, "as_of": "2021-03-07T23:00:00Z", "ballots_root": "0" * 64, "categories": [{"category": 1, "projects": projects}]}
    await client.xadd(topology.VOTING_REPORTS, {"__data__": event("wsis.voting.progress", week, 0, "2021-03-07T23:00:00Z")})
    while await client.xlen(topology.OUT_NOTIFY) < count:
        await asyncio.sleep(0.02)
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return count / (time.perf_counter() - started), (time.process_time() - cpu) / count, files.seconds / count


def contact(i: int) -> dict:
    words = " ".join(["word"] * 160)
    return {"submission_id": f"p-{i}", "entity": {"entity_id": f"o-{i}", "name": "Org", "stakeholder_type": "academia", "country": "CH"},
            "coordinator": {"name": f"Coordinator {i}", "email": f"c{i}@example.org"}, "category": 1, "title": f"Project {i}",
            "short_description": words, "action_lines_sdg_linkage": "x", "impact": "x", "partnerships": "x",
            "challenges_and_prospects": "x", "sdgs": [1], "status": "completed", "received_at": "2021-01-10T10:00:00Z", "revision": 1}


async def main(emails: int, only: str | None, connections: int, profile: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedValkey(Path(tmp) / "v").start()
        client = aioredis.Redis.from_url(server.url)
        try:
            def settings(name: str, smtp_url: str | None = None) -> Settings:
                if smtp_url is None:  # not passed: the environment's WSIS_SMTP_URL, if any, still applies
                    return Settings(redis_url=server.url, data_dir=Path(tmp) / name, replay=True, log_level="WARNING", log_format="json")
                return Settings(redis_url=server.url, data_dir=Path(tmp) / name, replay=True, log_level="WARNING", log_format="json", smtp_url=smtp_url)

            for label in ("smtp", "maildir"):
                if only not in (None, label):
                    continue
                await client.flushdb()
                server_cpu = ""
                if label == "smtp":
                    with SmtpServer() as relay:
                        rate, cpu, _ = await bench_emails(settings("smtp", smtp_url=relay.url), client, emails, connections, profile)
                    got = relay.received
                    if got["messages"] != emails or got["message_ids"] != emails:
                        raise SystemExit(f"the SMTP server accepted {got['messages']} messages, {got['message_ids']} Message-IDs, of {emails}")
                    label = f"smtp (aiosmtpd in its own process on loopback, {connections} connections)"
                    server_cpu = f"; the server: {got['cpu_seconds'] / emails * 1000:.2f} ms CPU an email, {got['bytes'] // emails} bytes an email"
                else:
                    rate, cpu, files = await bench_emails(settings("maildir"), client, emails, connections, profile)
                    server_cpu = f"; {files * 1000:.2f} ms of it in the file calls (the kernel: create, write, fsync, rename)"
                print(f"emails via {label}: {emails} notifications, {rate:,.0f} emails/s, "
                      f"{cpu * 1000:.2f} ms CPU an email (event in to sent event out){server_cpu}")  # fmt: skip
        finally:
            await client.aclose()
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2_000)
    parser.add_argument("--only", choices=["smtp", "maildir"], help="run one of the two")
    parser.add_argument("--connections", type=int, default=MailSettings().connections, help="WSIS_NOTIFY_CONNECTIONS")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the email phase to this file")
    args = parser.parse_args()
    asyncio.run(main(args.emails, args.only, args.connections, args.profile))
