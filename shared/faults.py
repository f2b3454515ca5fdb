"""Crash points for fault-injection tests: a process dies where a test says, as under SIGKILL.

`WSIS_CRASH_AT=<name>` makes `crash_point(name)` end the process at once:
no cleanup, no flush, no acknowledgement, exactly like a kill at that
instant. Unset (always, outside tests), a crash point costs one lookup.
"""

from __future__ import annotations

import os

CRASH_AT = os.environ.get("WSIS_CRASH_AT")
KILLED = 137  # the exit status of a SIGKILL'd process


def crash_point(name: str) -> None:
    if CRASH_AT == name:
        os._exit(KILLED)
