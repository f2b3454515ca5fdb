"""`wsis demo`: a whole simulated contest through the real services, and its summary."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from shared import topology

if TYPE_CHECKING:
    from demo.driver import Outcome

SCALES = ("small", "medium", "2021")  # demo.simulator.SCALES, without importing it for every `wsis` command


def summary(outcome: Outcome, scale: str, seed: int) -> RenderableType:
    from report import console as show

    phases = Table(title="phases", title_justify="left")
    phases.add_column("phase")
    phases.add_column("took", justify="right")
    for name, seconds in outcome.timings.items():
        phases.add_row(name, f"{seconds:.1f} s")
    published = Table(title="published by the simulated platforms", title_justify="left")
    published.add_column("stream")
    published.add_column("events", justify="right")
    for stream in topology.INBOUND:
        published.add_row(stream, f"{outcome.published[stream]:,}")
    checks = Table(title="does it add up?", title_justify="left")
    checks.add_column("")
    checks.add_column("check")
    checks.add_column("what was counted")
    for check in outcome.checks:
        checks.add_row(Text("ok", style="green") if check.ok else Text("FAIL", style="bold red"), check.name, check.detail)
    used = Table(title="CPU time", title_justify="left")
    used.add_column("process")
    used.add_column("seconds", justify="right")
    for name, seconds in outcome.cpu.items():
        used.add_row(name, f"{seconds:.1f}")
    by_phase = cpu_by_phase(outcome)
    staff = Table(title="staff decisions", title_justify="left")
    staff.add_column("on screening")
    staff.add_column("", justify="right")
    for label, key in (("decided eligible", "decided eligible"), ("decided ineligible", "decided ineligible"),
                       ("  of them, overturning a machine verdict", "overrides")):  # fmt: skip
        staff.add_row(label, f"{outcome.staff[key]:,}")
    for key, n in sorted(outcome.staff.items()):
        if key.startswith(("refused", "unanswered")):
            staff.add_row(key.replace("refused ", "refused: "), f"{n:,}")
    grid = Columns([phases, published, staff, used], padding=(1, 4))
    lines = [f"{kind}: {path}" for kind, path in outcome.reports.items()]
    return Group(show.render(outcome.view), grid, by_phase, checks, Text("\n".join(lines)),
                 Text(f"scale {scale}, seed {seed}: {outcome.elapsed:.0f} s in all", style="bold"))  # fmt: skip


def cpu_by_phase(outcome: Outcome, most: int = 3) -> Table:
    """Each phase's wall time, the CPU seconds the demo and the system spent in it, the cores that kept
    busy (CPU ÷ wall; the machine's count is the most), and the processes that spent the most."""
    table = Table(title=f"CPU by phase ({os.cpu_count() or '?'} cores)", title_justify="left")
    table.add_column("phase")
    for heading in ("wall", "CPU", "cores"):
        table.add_column(heading, justify="right")
    table.add_column("most CPU, seconds")
    for name, used in outcome.cpu_by_phase.items():
        wall, spent = outcome.timings.get(name, 0.0), sum(used.values())
        first = sorted(used.items(), key=lambda item: item[1], reverse=True)[:most]
        table.add_row(name.split(" (")[0], f"{wall:.1f} s", f"{spent:.1f} s", f"{spent / wall:.2f}" if wall > 0 else "",
                      ", ".join(f"{label.split(' (')[0]} {seconds:.1f}" for label, seconds in first if seconds >= 0.05))  # fmt: skip
    return table


def _stop(*_: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the demo as Ctrl-C does: the services are stopped on the way out


def demo(
    scale: Annotated[str, typer.Option(help="small (a few hundred entries), medium, or 2021 (the real size).")] = "small",
    seed: Annotated[int, typer.Option(help="The same seed gives the same contest and the same winners.")] = 2021,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A fresh data dir for this run (emptied if an earlier demo made it).")] = Path(".wsis/demo"),
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Where report.html/.json/.md go; default <data dir>/report.")] = None,
) -> None:  # fmt: skip
    """Run a simulated WSIS Prizes contest end to end through the real services, and say what happened."""
    if scale not in SCALES:
        typer.echo(f"unknown scale {scale!r}; one of: {', '.join(SCALES)}", err=True)
        raise typer.Exit(2)
    from demo.system import Claim, DemoError, DemoSystem, fresh
    from wsis.private import UMASK

    os.umask(UMASK)  # its data dir and reports are its owner's alone, as `wsis up`'s (CONTRACT 7)
    signal.signal(signal.SIGTERM, _stop)
    console = Console()
    console.print(f"WSIS Prizes demo: scale {scale}, seed {seed}, data in {data_dir}")
    try:
        with Claim(data_dir):
            started = time.perf_counter()
            with DemoSystem(fresh(data_dir)) as system:  # `wsis up` starts while the demo loads the rest of itself
                from demo.driver import play

                outcome = play(seed, scale, system, data_dir, started, report_dir, console)
    except (DemoError, TimeoutError) as exc:
        console.print(f"[bold red]the demo stopped:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(summary(outcome, scale, seed))
    if not outcome.ok:
        raise typer.Exit(1)
