"""The demo's eyes: the services' answers, read as they come.

The public streams fold into a `ContestState` (as `wsis results` reads
them). The demo also plays the submission platform, so it reads intake's
answers on `wsis:out:submission` too, keeping ids only (never a coordinator).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import orjson
import redis.asyncio as aioredis

from demo.system import DemoSystem
from report import reader
from report.integrity.collect import Collected
from report.raw import RawConnection
from report.state import ContestState
from shared import topology
from shared.events import T

STALL_SECONDS = 120.0


class Intake:
    """What intake answered to each submitted event: received (which revision) or rejected (why)."""

    def __init__(self) -> None:
        self.answered: dict[str, str] = {}  # submitted event id -> "received" | "rejected"
        self.revisions: dict[str, tuple[int, str]] = {}  # submission id -> (latest revision, its `received` event id)
        self.rejected: Counter[str] = Counter()

    def apply(self, raw: bytes | None) -> None:
        event = orjson.loads(raw or b"{}")
        cause, data = event.get("causationid"), event.get("data") or {}
        if cause in self.answered or not cause:
            return
        if event.get("type") == T.SUBMISSION_RECEIVED:
            self.answered[cause] = "received"
            sid, revision = data["submission_id"], data["revision"]
            if revision > self.revisions.get(sid, (0, ""))[0]:
                self.revisions[sid] = (revision, event["id"])
        elif event.get("type") == T.SUBMISSION_REJECTED:
            self.answered[cause] = "rejected"
            messages = [e.get("message", "") for e in data.get("errors", [])]
            self.rejected["deadline" if any(m.startswith("deadline") for m in messages) else "schema"] += 1


class Watcher:
    def __init__(self, url: str, system: DemoSystem) -> None:
        self.client = aioredis.Redis.from_url(url)
        self.raw = RawConnection(url)
        self.system = system
        self.votes = Collected()  # the accepted votes as they come, for the integrity signals
        self.state = ContestState(votes_to=self.votes)
        self.intake = Intake()
        self._task: asyncio.Task[None] | None = None
        self.read = 0  # entries read so far, on every stream watched

    async def __aenter__(self) -> Watcher:
        await self.raw.__aenter__()
        self._task = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - a failed read was reported by `until`
                pass
        try:
            await self.client.aclose()
            await self.raw.__aexit__()
        except Exception:  # noqa: BLE001 - the server may be gone already
            pass

    async def _follow(self) -> None:
        extra: dict[str, reader.Fold] = {topology.OUT_SUBMISSION: self.intake.apply}
        while True:
            read = await reader.follow(self.raw, self.state, extra)
            self.read += read
            if not read:
                await asyncio.sleep(0.1)

    async def until(self, done: Callable[[], bool], what: str, timeout: float, stall: float = STALL_SECONDS) -> None:
        """Wait for the services' answers to make `done()` true.

        Fails if the system stops, if time runs out, or if the services say
        nothing new for `stall` seconds (a service stuck or dead-lettering
        what it reads: the demo would wait for nothing).
        """
        deadline = time.monotonic() + timeout
        seen, quiet_since = self.read, time.monotonic()
        while not done():
            self.system.check()
            if self._task is not None and self._task.done():
                self._task.result()  # the reader failed: say why
            now = time.monotonic()
            if self.read != seen:
                seen, quiet_since = self.read, now
            if now > deadline or now - quiet_since > stall:
                letters = ", ".join(f"{k}: {v}" for k, v in self.state.dead_letters.items()) or "none"
                why = f"no answer in {timeout:.0f} s" if now > deadline else f"nothing new from the services for {stall:.0f} s"
                raise TimeoutError(f"{why} while waiting for {what}; dead letters by stream: {letters}; see {self.system.log}")
            await asyncio.sleep(0.05)

    async def settled(self, stream: str, group: str, timeout: float, progress: Callable[[int], None] = lambda _: None) -> None:
        """Wait until `group` has read and acknowledged every entry of `stream`."""
        deadline = time.monotonic() + timeout
        while backlog := await self.group_backlog(stream, group):
            progress(backlog)
            self.system.check()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{group} still has {backlog} entries of {stream} to read after {timeout:.0f} s; see {self.system.log}")
            await asyncio.sleep(0.02)
        progress(0)

    async def has_group(self, stream: str, group: str) -> bool:
        try:
            return any(g["name"] in (group, group.encode()) for g in await self.client.xinfo_groups(stream))
        except aioredis.ResponseError:  # no such stream yet
            return False

    async def group_backlog(self, stream: str, group: str) -> int:
        """Entries of `stream` the group has not yet read and acknowledged."""
        for g in await self.client.xinfo_groups(stream):
            if g["name"] in (group, group.encode()):
                return int(g.get("lag") or 0) + int(g["pending"])
        return await self.client.xlen(stream)
