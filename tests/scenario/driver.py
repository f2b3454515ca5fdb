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

from shared import streams
from tests.scenario.contest import Event, Phase
from tests.scenario.system import SERVICES, System

CHUNK = 2000


def read(admin: redis.Redis, stream: str) -> list[dict[str, Any]]:
    return [json.loads(fields[b"__data__"]) for _, fields in admin.xrange(stream)]


@dataclass
class Faults:
    """SIGKILLs of each service and one server restart, at seeded moments of the run."""

    plan: list[tuple[float, str]]
    done: list[tuple[float, str]] = field(default_factory=list)
    publishing: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def seeded(cls, seed: int, span: float, kills_each: int = 3) -> Faults:
        rng = random.Random(f"faults/{seed}")
        plan = [(rng.uniform(0.03, 0.85) * span, name) for name in SERVICES for _ in range(kills_each)]
        plan.append((rng.uniform(0.4, 0.6) * span, "valkey"))
        return cls(sorted(plan))

    def run(self, system: System, started: float) -> None:
        for at, what in self.plan:
            time.sleep(max(0.0, started + at - time.monotonic()))
            if what == "valkey":
                with self.publishing:  # a platform would retry its XADD; the test does not play that part
                    system.restart_server()
            else:
                system.kill(what)
            self.done.append((round(time.monotonic() - started, 2), what))


def publish(admin: redis.Redis, events: list[Event], lock: threading.Lock | None) -> None:
    for start in range(0, len(events), CHUNK):
        with lock or threading.Lock():
            pipe = admin.pipeline(transaction=False)
            for stream, body in events[start : start + CHUNK]:
                pipe.xadd(stream, {"__data__": body})
            pipe.execute()


def play(system: System, phases: Iterable[Phase], faults: Faults | None = None) -> float:
    """Publish each phase, let the system settle; returns the seconds it took."""
    admin = system.start()
    started = time.monotonic()
    injector = None
    if faults is not None:
        injector = threading.Thread(target=faults.run, args=(system, started), daemon=True)
        injector.start()
    for phase in phases:
        events = phase.events + (phase.after(lambda stream: read(admin, stream)) if phase.after else [])
        publish(admin, events, faults.publishing if faults else None)
        try:
            system.settle()
        except AssertionError as exc:
            raise AssertionError(f"phase {phase.name!r}, faults so far {faults and faults.done}: {exc}") from None
        print(f"{time.monotonic() - started:7.1f}s {phase.name}", flush=True)
    if injector is not None:
        injector.join()  # a fault planned past the end still happens, then the system settles again
        system.settle()
    return time.monotonic() - started


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
    for stream in streams.OUTBOUND:
        by_id: dict[str, str] = {}
        for event in read(admin, stream):
            body = canonical(event)
            assert by_id.setdefault(event["id"], body) == body, f"two versions of {event['id']} on {stream}"
        found[stream] = by_id
    letters = {e["id"]: e["data"] for e in read(admin, streams.DEADLETTER)}
    found[streams.DEADLETTER] = Counter((d["stream"], d["error"], d["raw"]) for d in letters.values())
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
