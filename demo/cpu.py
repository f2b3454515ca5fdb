"""Where the CPU time went: each process of the system, read from /proc (Linux; elsewhere nothing).

The demo shares the machine with whatever else runs; CPU seconds tell its
own cost apart from the wall-clock time a busy machine stretches.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
DEMO = "demo (simulator, publisher, reader)"


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds of the process and its waited-for children)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    ticks = os.sysconf("SC_CLK_TCK")
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / ticks


def _label(pid: int) -> str:
    try:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    if "run" in words and words.index("run") + 1 < len(words):
        return words[words.index("run") + 1]  # one of the five services
    if "up" in words:
        return "wsis up (supervisor)"
    return Path(words[0]).name.split()[0] if words else "?"


def tree(root: int) -> dict[str, float]:
    """CPU seconds of `root` and every process under it, by name."""
    if not PROC.is_dir():
        return {}
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            parents.setdefault(found[0], []).append(int(entry.name))
            cpu[int(entry.name)] = found[1]
    seconds: dict[str, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        label = _label(pid)
        seconds[label] = seconds.get(label, 0) + cpu.get(pid, 0.0)
        todo.extend(parents.get(pid, []))
    return seconds


@dataclass
class Meter:
    """CPU seconds by process over the spans of a run (`span`): the demo's own and the system's under `root`."""

    root: int | None
    spans: dict[str, dict[str, float]] = field(default_factory=dict)  # span -> process -> CPU seconds in it

    def now(self) -> dict[str, float]:
        return {DEMO: time.process_time(), **(tree(self.root) if self.root is not None else {})}

    @contextmanager
    def span(self, name: str) -> Iterator[None]:
        before = self.now()
        yield
        after = self.now()
        self.spans[name] = {label: after[label] - before.get(label, 0.0) for label in after}
