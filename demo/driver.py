"""`wsis demo`: start the system, play the contest phase by phase, report, stop.

The wall clock is used for one thing only: how long each phase took.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from demo import cpu
from demo.checks import Check, checks, expected_emails, staff_counts
from demo.integrity_checks import check_on_the_bus
from demo.phases import Phases, nominees_of
from demo.publication_checks import publication_checks
from demo.publisher import Publisher
from demo.simulator import Scale, Simulation
from demo.system import DemoSystem
from demo.watch import Watcher
from report import export, publication_files, publications, views
from report.raw import RawConnection


@dataclass
class Outcome:
    view: dict[str, Any]
    timings: dict[str, float]
    published: Counter[str]
    checks: list[Check]
    reports: dict[str, Path] = field(default_factory=dict)
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process: the demo's own cost on a shared machine
    cpu_by_phase: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> process -> CPU seconds in it
    publications: dict[str, dict[str, Any]] = field(default_factory=dict)  # the call's two, by kind, as built
    staff: Counter[str] = field(default_factory=Counter)  # the staff's screening decisions, by what came of them

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def play(seed: int, scale: str | Scale, system: DemoSystem, data_dir: Path, started: float, report_dir: Path | None,
         console: Console) -> Outcome:  # fmt: skip
    """The contest on the system `wsis demo` started on `data_dir` at `started` (perf_counter), to its stop."""
    # Millions of long-lived objects (ballots, answers): collect garbage seldom, and never scan the plan.
    gc.set_threshold(100_000, 50, 100)
    stopping = None
    try:
        sim = Simulation(seed, scale)
        sim.entries  # planned while the bus starts; members and ballots once entries flow  # noqa: B018
        url = system.wait_server()
        ready = time.perf_counter() - started
        meter = cpu.Meter(system.process.pid if system.process is not None else None)
        outcome = asyncio.run(_play(sim, system, url, console, meter))
        used = meter.now()
        outcome.cpu = {cpu.DEMO: used.pop(cpu.DEMO), **dict(sorted(used.items(), key=lambda item: item[1], reverse=True))}
        console.print("stopping the services; the report is written meanwhile...")
        stopping = time.perf_counter()
        system.interrupt()  # the services need nothing more of the demo: they stop while it writes
        folder = report_dir or data_dir / "report"
        outcome.reports = export.write(outcome.view, folder)
        written = {f"{kind} {fmt}": path for kind, pub in outcome.publications.items() for fmt, path in publication_files.write(pub, folder).items()}
        outcome.reports.update(written)
        outcome.checks += publication_checks(outcome.publications, written, outcome.view, sim)
        wrote = time.perf_counter() - stopping
    finally:
        if stopping is None:
            console.print("stopping the services...")
        system.stop()
    outcome.timings = {"0 starting the bus (and planning)": ready, **outcome.timings, "writing the report (as the services stop)": wrote,
                       "stopping the services": time.perf_counter() - stopping}  # fmt: skip
    outcome.elapsed = time.perf_counter() - started
    return outcome


async def _play(sim: Simulation, system: DemoSystem, url: str, console: Console, meter: cpu.Meter) -> Outcome:
    columns = (SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    async with Publisher(url) as publisher, Watcher(url, system) as watch:
        with Progress(*columns, console=console) as progress:
            phases = Phases(sim, watch, publisher, progress, meter)
            with phases.timed("1 submission and screening (the services start meanwhile)"):
                alongside = asyncio.create_task(_members_and_ballot_plan(sim, phases))
                await phases.entries()
            with phases.timed("2 nomination"):
                await phases.staff()
                await phases.nominations()
                await alongside
            with phases.timed("3 public voting"):
                await phases.voting(sim.ballot_weeks(nominees_of(watch.state.nominees or {})))
            with phases.timed("4 winner selection"):
                await phases.judging()
            with phases.timed("5 ceremony"):
                await phases.ceremony()
            with phases.timed("emails (the rest)"):
                await phases.emails(expected_emails(watch.state))
            with phases.timed("reading back and checking"):
                await asyncio.sleep(0.5)  # a last look: anything answered twice would show now
                view = views.results(watch.state, sim.contest)
                pubs = await _publications(url, sim)
                listed = nominees_of(watch.state.nominees or {})
                planted, view["integrity"] = await check_on_the_bus(url, watch.votes, sim.seed, sim.contest, sim.electorate, listed)
    return Outcome(view, phases.timings, phases.published, [*checks(watch, phases, view, sim), planted], publications=pubs,
                   staff=staff_counts(phases.sent.get("staff", [])), cpu_by_phase=phases.meter.spans)  # fmt: skip


async def _publications(url: str, sim: Simulation) -> dict[str, dict[str, Any]]:
    """The call's two publications, read while the server runs (intake's stream holds the answers)."""
    async with RawConnection(url) as conn:
        facts = await publications.gather(conn)
    built = {}
    for kind in (publications.STOCKTAKING, publications.SUCCESS_STORIES):
        try:
            built[kind] = publications.build(kind, facts, sim.contest)
        except publications.NotYet:
            pass  # the summary's check says which is missing
    return built


async def _members_and_ballot_plan(sim: Simulation, phases: Phases) -> None:
    """Members are made and registered while entries are screened; then the ballots are planned.

    Both on a thread of their own at a lower priority: while the services
    screen the entries (the phase's critical path) the machine's cores go to
    them first; the plan is wanted only once the nominees are published.
    """
    with phases.timed("  member registry (alongside)", metered=False), ThreadPoolExecutor(1, "demo-plan", initializer=_lower_priority) as planner:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(planner, lambda: sim.electorate)
        registry = asyncio.create_task(phases.members())
        await loop.run_in_executor(planner, lambda: sim.ballot_plan)
        gc.freeze()  # the plan lives to the end: never scan it again
        await registry


BACKGROUND_NICENESS = 10


def _lower_priority() -> None:
    """This thread alone BACKGROUND_NICENESS nicer than it was (Linux schedules threads one by one); elsewhere, as it is."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + BACKGROUND_NICENESS))
