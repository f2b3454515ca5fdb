"""The system under the demo: `wsis up` on a fresh data dir, on the embedded default.

Its own Valkey, SQLite files and Maildir under the data dir; business time
only (`WSIS_REPLAY=true`), no ticker (the demo publishes its own ticks).
The services' logs go to `<data dir>/wsis-up.log`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from wsis.embedded import die_with_parent

MARKER = ".wsis-demo"  # a data dir the demo made, and may empty again
SETTINGS = {"WSIS_REPLAY": "true", "WSIS_LOG_FORMAT": "json", "WSIS_BATCH_SIZE": "1000", "WSIS_BLOCK_MS": "100",
            "WSIS_NOTIFY_POLL_SECONDS": "0.2"}  # fmt: skip


class DemoError(RuntimeError):
    """The system did not start, or stopped on its own."""


class Claim:
    """This run's hold on its data dir: a second demo on the same dir is refused, not let in to empty it."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir.resolve()
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self.path = self.folder.parent / f".{self.folder.name}.demo-lock"  # beside the dir: it outlives emptying it
        self.fd: int | None = None

    def __enter__(self) -> Claim:
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DemoError(f"another `wsis demo` is running on {self.folder}; choose another --data-dir") from None
        return self

    def __exit__(self, *_: object) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock


def fresh(data_dir: Path) -> Path:
    """An empty data dir: new, or one an earlier demo left (anything else is not ours to empty)."""
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).exists():
            raise DemoError(f"{data_dir} holds data that is not a demo's; choose another --data-dir")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("made by `wsis demo`; emptied by the next demo on this dir\n")
    return data_dir


class DemoSystem:
    def __init__(self, data_dir: Path, contest_file: Path | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.log = self.data_dir / "wsis-up.log"
        self.contest_file = contest_file
        self.process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("WSIS_REDIS_URL", "WSIS_DATABASE_URL", "WSIS_SMTP_URL", "WSIS_DATA_DIR")}
        env.update(SETTINGS)
        # The 2021 scale holds a few million entries at once: more than the server's default bound (1gb).
        env.setdefault("WSIS_VALKEY_MAXMEMORY", "8gb")
        if self.contest_file is not None:
            env["WSIS_CONTEST_FILE"] = str(self.contest_file)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wsis.cli", "up", "--no-ticker", "--data-dir", str(self.data_dir)],
                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1],
                preexec_fn=die_with_parent,  # the system goes when the demo goes, however it ends
            )  # fmt: skip

    def wait_server(self, timeout: float = 120.0) -> str:
        """The bus URL, as soon as the embedded server answers.

        The services may still be starting: each creates its consumer groups
        at the start of its streams, so what is published before is read all
        the same, and their start overlaps the first phase.
        """
        deadline = time.monotonic() + timeout
        marker = self.data_dir / "valkey" / "url"
        while not marker.is_file():
            self.check(deadline)
            time.sleep(0.05)
        self.url = marker.read_text().strip()
        client = redis.Redis.from_url(self.url)
        # The demo's server holds a few million entries for a few minutes: compacting its
        # append-only file again and again as it doubles would cost more CPU than the
        # services' hot path. It keeps every write all the same (persistence is unchanged).
        client.config_set("auto-aof-rewrite-percentage", 0)
        client.close()
        return self.url

    def __enter__(self) -> DemoSystem:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def check(self, deadline: float | None = None) -> None:
        if self.process is None or self.process.poll() is not None:
            raise DemoError(f"`wsis up` stopped; see {self.log}")
        if deadline is not None and time.monotonic() > deadline:
            raise DemoError(f"the services did not start in time; see {self.log}")

    def interrupt(self) -> None:
        """Ask `wsis up` to stop (Ctrl-C), without waiting: `stop` waits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self, timeout: float = 60.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.interrupt()  # again, if `interrupt` came first: `wsis up` stops once all the same
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
