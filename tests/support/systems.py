"""The five services as subprocesses on an embedded Valkey, driven only through the streams.

One class, two supervisors:

* `System(root, supervisor="wsis up")`: `wsis up --no-ticker` itself, one
  process that starts the server and the services, as staff run it: its log
  (`log`), its exit code on Ctrl-C, a SIGKILL of the whole (`crash`).
* `System(root)`: the test is the supervisor and does what
  wsis/supervisor.py does (the same ACL users, passwords and environment),
  with the faults under its hand: SIGKILL any service (started again at once,
  counted in `starts` and `exits`), restart the server, wait for quiet.

Either way the data dir is `root/data`, logs go under `root/logs`, `admin`
is a client as staff, and settings are `WSIS_` names without the prefix.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psutil
import redis

from shared import topology
from shared.settings import Settings
from tests.support import settling
from tests.support.keeper import Keeper
from tests.support.processes import ROOT, clean_environment
from tests.support.waiting import wait_until
from wsis.embedded import EmbeddedValkey
from wsis.supervisor import child_env, start_embedded

SERVICES = ("submission", "eligibility", "voting", "judging", "notify")
UP_DEFAULTS = {"reclaim_idle_ms": "2000", "reclaim_every_ms": "500"}


class System:
    """The services, their server and their logs under `root`; `start` runs them, `stop` ends them."""

    def __init__(self, root: Path, *, supervisor: str = "test", **settings: str) -> None:
        assert supervisor in ("test", "wsis up"), supervisor
        self.supervisor, self.settings, self.run_settings = supervisor, settings, settings
        self.data_dir, self.logs = root / "data", root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.log = self.logs / "wsis-up.log"
        self.process: subprocess.Popen[bytes] | None = None  # `wsis up`
        self.server: EmbeddedValkey | None = None
        self.passwords: dict[str, str] = {}
        self.keeper = Keeper(self._spawn, SERVICES)

    def start(self, timeout: float = 60.0, **settings: str) -> redis.Redis:
        """Start the server and the services (`settings` for this run only); a staff client once the submission group exists."""
        self.run_settings = {**self.settings, **settings}
        if self.supervisor == "wsis up":
            self._start_up(timeout)
        else:
            self._start_each()
        wait_until(lambda: self._alive() and has_group(self.admin, topology.IN_SUBMISSIONS, "submission"),
                   what=f"the submission group; see {self.logs}", timeout=timeout)  # fmt: skip
        return self.admin

    def _environment(self, defaults: dict[str, str]) -> dict[str, str]:
        env = {**clean_environment(), "WSIS_LOG_FORMAT": "json"}
        return env | {f"WSIS_{k.upper()}": v for k, v in {**defaults, **self.run_settings}.items()}

    # --- under `wsis up` ------------------------------------------------------

    def _start_up(self, timeout: float) -> None:
        marker = self.data_dir / "valkey" / "url"
        marker.unlink(missing_ok=True)
        with self.log.open("ab") as out:
            command = [sys.executable, "-m", "wsis.cli", "up", "--no-ticker", "--data-dir", str(self.data_dir)]
            self.process = subprocess.Popen(command, cwd=ROOT, env=self._environment(UP_DEFAULTS), stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: self._alive() and marker.is_file(), what=f"wsis up's server; see {self.log}", timeout=timeout)
        self.admin = redis.Redis.from_url(marker.read_text().strip())

    def _alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"wsis up exited with {self.process.returncode}; see {self.log}:\n{self.log.read_text()[-3000:]}")
        return True

    def crash(self) -> None:
        """SIGKILL `wsis up`, as a crash would; the services and the server die with it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def interrupt(self, timeout: float = 30.0) -> int:
        """Ctrl-C to `wsis up`; its exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    # --- under the test's own supervision -------------------------------------

    def _start_each(self) -> None:
        settings = Settings(data_dir=self.data_dir, redis_admin_password="scenario-staff", log_format="json")
        self.server, self.passwords = start_embedded(settings, self.data_dir.resolve())
        self.admin = redis.Redis.from_url((self.server.dir / "url").read_text(), socket_timeout=30)
        self.keeper.begin()

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        assert self.server is not None
        env = self._environment({"redis_url": self.server.url, "data_dir": str(self.data_dir.resolve())})
        with (self.logs / f"{name}.log").open("ab") as out:
            command = [sys.executable, "-m", "wsis.cli", "run", name]
            return subprocess.Popen(command, cwd=ROOT, env=child_env(env, name, self.passwords.get(name)), stdout=out, stderr=subprocess.STDOUT)

    def restart_server(self) -> None:
        """SIGTERM the server (it writes its append-only file out) and start it again on its port."""
        self.keeper.on_thread(self._restart_server)

    def _restart_server(self) -> None:
        assert self.server is not None
        old = self.server
        old.stop()
        self.server = EmbeddedValkey(self.data_dir, port=old.port, extra_config=old.extra, password=old.password).start()

    def kill(self, name: str, timeout: float = 60.0) -> None:
        """SIGKILL a service once it reads its streams, as a crash would; it is started again at once."""
        self.keeper.kill(name, lambda name, pid: settling.up(self.admin, name, pid), timeout)

    def settle(self, timeout: float = 300.0, still: float = 1.5) -> None:
        """Wait until every service reads, no group has work left and the streams stop growing for `still` seconds."""
        settling.settle(self.admin, self.processes, self.logs, timeout, still)

    @property
    def processes(self) -> dict[str, subprocess.Popen[bytes]]:
        return self.keeper.processes

    @property
    def starts(self) -> dict[str, int]:
        return self.keeper.starts

    @property
    def exits(self) -> list[tuple[str, int]]:
        return self.keeper.exits

    def rss(self) -> dict[str, int]:
        return {name: psutil.Process(p.pid).memory_info().rss for name, p in self.processes.items()}

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    # --- either way -------------------------------------------------------------

    def terminate(self, name: str) -> None:
        """SIGTERM one service, as a deploy would, and wait for it to stop; its supervisor starts it again."""
        if self.process is not None:
            (found,) = [p for p in psutil.Process(self.process.pid).children() if p.cmdline()[-2:] == ["run", name]]
            found.send_signal(signal.SIGTERM)
            found.wait(30)
            return
        with self.keeper.lock:
            self.processes[name].send_signal(signal.SIGTERM)
            self.processes[name].wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.interrupt()
        if self.server is not None and self.keeper.running:
            self.keeper.stop(last=self.server.stop)


def has_group(client: redis.Redis, stream: str, group: str) -> bool:
    try:
        return any(g["name"] == group.encode() for g in client.xinfo_groups(stream))
    except redis.ResponseError:
        return False
