"""The five services as `wsis up` runs them, with the faults under the test's hand.

The embedded Valkey (append-only, ACL users, passwords new for the run) and
one `wsis run NAME` process a service, each with its own Redis password, as
wsis/supervisor.py starts them. A process that exits is started again
at once; the test may SIGKILL any of them, or restart the server itself.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import redis

from shared import topology
from shared.settings import Settings
from wsis.embedded import EmbeddedValkey
from wsis.supervisor import child_env, start_embedded

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("submission", "eligibility", "voting", "judging", "notify")


class System:
    def __init__(self, root: Path, **settings: str) -> None:
        self.root = root
        self.data_dir = root / "data"
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.server: EmbeddedValkey | None = None
        self.passwords: dict[str, str] = {}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int] = dict.fromkeys(SERVICES, 0)
        self.exits: list[tuple[str, int]] = []
        self._lock = threading.RLock()
        self._watching = threading.Event()  # restart what exits
        self._closed = threading.Event()
        self._killed: set[int] = set()
        self._watcher: threading.Thread | None = None
        self._requests: queue.Queue[tuple[Callable[[], None], threading.Event]] = queue.Queue()

    # --- the server -------------------------------------------------------

    def start(self) -> redis.Redis:
        settings = Settings(data_dir=self.data_dir, redis_admin_password="scenario-staff", log_format="json")
        self.server, self.passwords = start_embedded(settings, self.data_dir.resolve())
        self.admin = redis.Redis.from_url((self.server.dir / "url").read_text(), socket_timeout=30)
        self._watching.set()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        self._on_watcher(lambda: [self._spawn(name) for name in SERVICES])
        return self.admin

    def restart_server(self) -> None:
        """SIGTERM the server (it writes its append-only file out) and start it again on its port."""
        self._on_watcher(self._restart_server)

    def _restart_server(self) -> None:
        assert self.server is not None
        old = self.server
        old.stop()
        self.server = EmbeddedValkey(self.data_dir, port=old.port, extra_config=old.extra, password=old.password).start()

    def _on_watcher(self, action: Callable[[], None]) -> None:
        """Run `action` on the watcher thread and wait for it. Children die with
        the thread that started them (PR_SET_PDEATHSIG), so every start of a
        process happens on that one long-lived thread."""
        done = threading.Event()
        self._requests.put((action, done))
        done.wait()

    # --- the services -----------------------------------------------------

    def _env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WSIS_")}
        assert self.server is not None
        env.update(WSIS_REDIS_URL=self.server.url, WSIS_DATA_DIR=str(self.data_dir.resolve()), WSIS_LOG_FORMAT="json")
        env.update({f"WSIS_{k.upper()}": v for k, v in self.settings.items()})
        return child_env(env, name, self.passwords.get(name))

    def _spawn(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "wsis.cli", "run", name], cwd=ROOT, env=self._env(name), stdout=out, stderr=subprocess.STDOUT
            )
        self.starts[name] += 1

    def _watch(self) -> None:
        while not self._closed.is_set():
            while not self._requests.empty():
                action, done = self._requests.get()
                try:
                    action()
                finally:
                    done.set()
            with self._lock:
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is not None and self._watching.is_set():
                        self.exits.append((name, code))
                        self._spawn(name)
            time.sleep(0.1)

    def kill(self, name: str, timeout: float = 60.0) -> None:
        """SIGKILL, as a crash would; the watcher starts it again.

        A process killed before is first let start again and read its
        streams: each kill ends a running process of its own.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                process = self.processes[name]
                if process.pid not in self._killed and process.poll() is None and self._up(name, process.pid):
                    self._killed.add(process.pid)
                    process.send_signal(signal.SIGKILL)
                    return
            time.sleep(0.05)
        raise AssertionError(f"{name} did not start again within {timeout}s")

    def rss(self) -> dict[str, int]:
        return {name: psutil.Process(p.pid).memory_info().rss for name, p in self.processes.items()}

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    # --- settling -----------------------------------------------------------

    def busy(self) -> list[str]:
        """What keeps the system from being quiet: a service not up and reading,
        a group with entries left to read or retry. Empty when quiet."""
        found = []
        for name, process in self.processes.items():
            if process.poll() is not None or not self._reading(name, process.pid):
                found.append(f"{name} (pid {process.pid}) not reading")
        for stream in topology.ALL:
            if not self.admin.exists(stream):
                continue
            for group in self.admin.xinfo_groups(stream):
                if group["pending"] or group.get("lag"):
                    found.append(f"{stream}/{group['name'].decode()}: pending {group['pending']}, lag {group.get('lag')}")
        return found

    def _up(self, name: str, pid: int) -> bool:
        try:
            return self._reading(name, pid)
        except redis.RedisError:
            return False

    def _reading(self, name: str, pid: int) -> bool:
        marker = f"-{pid}-".encode()
        for stream in topology.ALL:
            try:
                if any(marker in c["name"] for c in self.admin.xinfo_consumers(stream, name)):
                    return True
            except redis.ResponseError:
                continue
        return False

    def settle(self, timeout: float = 300.0, still: float = 1.5) -> None:
        """Wait until the system is quiet and the streams stop growing for `still` seconds."""
        deadline = time.monotonic() + timeout
        calm_since, last, busy = None, None, ["no answer yet"]
        while time.monotonic() < deadline:
            try:
                busy = self.busy()
                lengths = [self.admin.xlen(s) for s in topology.ALL]
            except redis.RedisError as exc:
                busy, lengths = [str(exc)], None
            if not busy and lengths == last:
                calm_since = calm_since or time.monotonic()
                if time.monotonic() - calm_since >= still:
                    return
            else:
                calm_since = None
            last = lengths
            time.sleep(0.1)
        raise AssertionError(f"the system did not settle in {timeout}s: {busy}; see {self.logs}")

    def stop(self) -> None:
        self._watching.clear()
        with self._lock:
            for process in self.processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in self.processes.values():
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self.server is not None:
            self._on_watcher(self.server.stop)
        self._closed.set()
        if self._watcher is not None:
            self._watcher.join()
