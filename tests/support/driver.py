"""Playing a scenario into the system, with or without faults, and reading what came out."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path
from typing import Any

import redis

from shared import topology
from tests.support.contest import Event, Phase
from tests.support.streams import read
from tests.support.systems import System

CHUNK = 2000


# Where each service has work: its kills land inside these phases.
BUSY = {
    "submission": ("submissions", "amendments"),
    "eligibility": ("submissions", "amendments"),
    "voting": ("members", "week 1", "week 2", "week 3", "week 4", "week 5"),
    "judging": ("nominations", "second thoughts", "nominee list", "week 2", "week 5", "winners", "ceremony"),
    "notify": ("submissions", "nominee list", "week 1", "week 3", "week 5", "winners", "ceremony"),
    "valkey": ("week 3",),
}


@dataclass
class Faults:
    """SIGKILLs of each service and one server restart, at seeded moments of the phases where they have work."""

    plan: dict[str, list[tuple[float, str]]]
    done: list[tuple[float, str]] = field(default_factory=list)
    publishing: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def seeded(cls, seed: int, timeline: dict[str, float], kills_each: int = 3) -> Faults:
        """`timeline`: how long each phase took undisturbed; a fault lands within that time of its phase's start."""
        rng = random.Random(f"faults/{seed}")
        plan: dict[str, list[tuple[float, str]]] = {}
        for what, phases in BUSY.items():
            for _ in range(1 if what == "valkey" else kills_each):
                phase = rng.choice(phases)
                plan.setdefault(phase, []).append((rng.uniform(0.05, 0.9) * timeline[phase], what))
        return cls(plan)

    @property
    def planned(self) -> int:
        return sum(len(faults) for faults in self.plan.values())

    def start(self, system: System, phase: str, started: float) -> list[threading.Timer]:
        """Arm the phase's faults; each fires after its delay from now."""
        timers = [threading.Timer(at, self._fire, (system, what, phase, started)) for at, what in self.plan.get(phase, [])]
        for timer in timers:
            timer.start()
        return timers

    def _fire(self, system: System, what: str, phase: str, started: float) -> None:
        if what == "valkey":
            with self.publishing:  # a platform would retry its XADD; the test does not play that part
                system.restart_server()
        else:
            system.kill(what)
        self.done.append((round(time.monotonic() - started, 1), phase, what))


def publish(admin: redis.Redis, events: list[Event], lock: threading.Lock | None) -> None:
    for start in range(0, len(events), CHUNK):
        with lock or threading.Lock():
            pipe = admin.pipeline(transaction=False)
            for stream, body in events[start : start + CHUNK]:
                pipe.xadd(stream, {"__data__": body})
            pipe.execute()


def play(system: System, phases: Iterable[Phase], faults: Faults | None = None) -> dict[str, float]:
    """Publish each phase and let the system settle; returns how long each phase took."""
    admin = system.start()
    started = time.monotonic()
    timeline: dict[str, float] = {}
    for phase in phases:
        begun = time.monotonic()
        timers = faults.start(system, phase.name, started) if faults else []
        events = phase.events + (phase.after(lambda stream: read(admin, stream)) if phase.after else [])
        publish(admin, events, faults.publishing if faults else None)
        for timer in timers:  # a fault planned past the phase's end still happens, then the system settles
            timer.join()
        try:
            system.settle()
        except AssertionError as exc:
            raise AssertionError(f"phase {phase.name!r}, faults so far {faults and faults.done}: {exc}") from None
        timeline[phase.name] = time.monotonic() - begun
        print(f"{time.monotonic() - started:7.1f}s {phase.name}", flush=True)
    return timeline


def canonical(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"))


def outcome(system: System) -> dict[str, Any]:
    """Every outbound event by id and content, the dead letters, the emails.

    A repeat of an event (redelivery) must be the same event. Dead letters
    are compared without their id, time and entry id: those come from the
    server's entry ids and the wall clock, which differ from run to run.
    """
    admin = system.admin
    found: dict[str, Any] = {}
    for stream in topology.OUTBOUND:
        by_id: dict[str, str] = {}
        for event in read(admin, stream):
            body = canonical(event)
            assert by_id.setdefault(event["id"], body) == body, f"two versions of {event['id']} on {stream}"
        found[stream] = by_id
    letters = {e["id"]: e["data"] for e in read(admin, topology.DEADLETTER)}
    found[topology.DEADLETTER] = Counter((d["stream"], d["error"], d["raw"]) for d in letters.values())
    found["mail"] = mails(system.data_dir / "mail")
    return found


def mails(folder: Path) -> dict[str, str]:
    """The Maildir, by file name (the notification id), without the Date header."""
    found = {}
    for path in sorted((folder / "new").glob("*")) + sorted((folder / "cur").glob("*")):
        message = message_from_bytes(path.read_bytes())
        del message["Date"]
        found[path.name.split(":", 1)[0]] = message.as_string()
    return found
