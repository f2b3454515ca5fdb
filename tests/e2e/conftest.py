"""`wsis up` as a subprocess, driven only through the streams."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]


class System:
    """One `wsis up --no-ticker` on its own data dir (embedded Valkey)."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir = data_dir
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0, **settings: str) -> redis.Redis:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WSIS_")}
        env.update(WSIS_LOG_FORMAT="json", WSIS_RECLAIM_IDLE_MS="2000", WSIS_RECLAIM_EVERY_MS="500")
        env.update({f"WSIS_{k.upper()}": v for k, v in settings.items()})
        marker = self.data_dir / "valkey" / "url"
        marker.unlink(missing_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wsis.cli", "up", "--no-ticker", "--data-dir", str(self.data_dir)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not marker.is_file():
            self._alive_or_fail()
            if time.monotonic() > deadline:
                raise AssertionError(f"wsis up did not start; see {self.log}")
            time.sleep(0.1)
        client = redis.Redis.from_url(marker.read_text().strip())
        self._wait_for_group(client, "wsis:in:submissions", "submission", deadline)
        return client

    def _wait_for_group(self, client: redis.Redis, stream: str, group: str, deadline: float) -> None:
        while True:
            self._alive_or_fail()
            try:
                if any(g["name"] == group.encode() for g in client.xinfo_groups(stream)):
                    return
            except redis.ResponseError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"no consumer group {group} on {stream}; see {self.log}")
            time.sleep(0.1)

    def _alive_or_fail(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"wsis up exited with {self.process.returncode}; see {self.log}:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, as a crash would; the children and the server die with it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def interrupt(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.interrupt()


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    running = System(tmp_path / "data", tmp_path / "wsis-up.log")
    yield running
    running.stop()
