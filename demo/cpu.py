"""Where the CPU time went: each process of the system, read from /proc (Linux; elsewhere nothing).

The demo shares the machine with whatever else runs; CPU seconds tell its
own cost apart from the wall-clock time a busy machine stretches.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


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
