"""The data dir, readable by its owner alone (CONTRACT 7).

It holds personal data (coordinators' addresses in the services' databases
and in the server's append-only file), the sealed winners and passwords:
directories 0700, files 0600. The umask covers what the processes create
from now on (the server, the services and SQLite inherit it); `owner_only`
also closes what an earlier run, or an older version, left open.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

UMASK = 0o077


def owner_only(data_dir: Path) -> Path:
    """Set this process's umask (its children inherit it) and close the data dir to group and others."""
    os.umask(UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    for folder, _dirs, files in os.walk(data_dir):
        _close(Path(folder))
        for name in files:
            _close(Path(folder) / name)
    return data_dir


def _close(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:  # gone meanwhile (a rewritten append-only file)
        return
    if stat.S_ISLNK(mode) or not mode & 0o077:
        return
    path.chmod(stat.S_IMODE(mode) & 0o700)


def write_private(path: Path, text: str) -> Path:
    """Write a file only its owner may read (it holds a password), whole at once:
    a reader polling for it never sees it empty."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(partial, path)
    return path
