"""One `wsis up` a data dir: the second is refused, the first left alone.

The lock is an `flock` on `<data dir>/up.lock`, held by the open file for
the life of the process: the kernel lets it go however the process ends,
SIGKILL included, so a crashed run never leaves a stale lock behind. The
file keeps the holder's pid, for the refusal's message only.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "up.lock"


class DataDirInUse(RuntimeError):
    """Another `wsis up` runs on this data dir."""


def hold_data_dir(data_dir: Path) -> int:
    """Lock `data_dir` for this process; the returned descriptor must stay open."""
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise DataDirInUse(f"another `wsis up` (pid {holder}) is running on {data_dir}; stop it first or choose another --data-dir") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd
