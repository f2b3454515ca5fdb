"""Processes kept running by the test itself, as `wsis up` keeps its services.

Every process is started on one long-lived thread: children die with the
thread that started them (PR_SET_PDEATHSIG, as the embedded server is
started), so a start made on a short-lived thread would end with it. A
process that exits is counted and started again at once.
"""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable

from tests.support.waiting import wait_until

Spawn = Callable[[str], subprocess.Popen[bytes]]


class Keeper:
    def __init__(self, spawn: Spawn, names: Iterable[str]) -> None:
        self.spawn = spawn
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.starts: dict[str, int] = dict.fromkeys(names, 0)
        self.exits: list[tuple[str, int]] = []
        self.lock = threading.RLock()
        self._watching = threading.Event()  # start again what exits
        self._closed = threading.Event()
        self._killed: set[int] = set()
        self._requests: queue.Queue[tuple[Callable[[], None], threading.Event]] = queue.Queue()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def begin(self) -> None:
        """Start the thread, then every process on it."""
        self._watching.set()
        self._thread.start()
        self.on_thread(lambda: [self._start(name) for name in self.starts])

    def on_thread(self, action: Callable[[], None]) -> None:
        """Run `action` on the keeper's thread and wait for it."""
        done = threading.Event()
        self._requests.put((action, done))
        done.wait()

    def _start(self, name: str) -> None:
        self.processes[name] = self.spawn(name)
        self.starts[name] += 1

    def _watch(self) -> None:
        while not self._closed.is_set():
            while not self._requests.empty():
                action, done = self._requests.get()
                try:
                    action()
                finally:
                    done.set()
            with self.lock:
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is not None and self._watching.is_set():
                        self.exits.append((name, code))
                        self._start(name)
            time.sleep(0.1)

    def kill(self, name: str, running: Callable[[str, int], bool], timeout: float = 60.0) -> None:
        """SIGKILL `name` once `running(name, pid)` says its process works; it is started again.

        A process killed before is first let start again: each kill ends a
        running process of its own.
        """

        def killed_a_running_one() -> bool:
            with self.lock:
                process = self.processes[name]
                if process.pid in self._killed or process.poll() is not None or not running(name, process.pid):
                    return False
                self._killed.add(process.pid)
                process.send_signal(signal.SIGKILL)
                return True

        wait_until(killed_a_running_one, what=f"{name} to start again", timeout=timeout, every=0.05)

    def stop(self, last: Callable[[], None]) -> None:
        """SIGTERM every process and wait (30 s, then SIGKILL); then `last` on the thread, and the thread ends."""
        self._watching.clear()
        with self.lock:
            for process in self.processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in self.processes.values():
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.on_thread(last)
        self._closed.set()
        self._thread.join()
