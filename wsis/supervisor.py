"""`wsis up`: the embedded Valkey, one process per service, the ticker.

Each service runs as `wsis run NAME` in its own process, as it would in a
container; a service that dies is started again. Ctrl-C (or SIGTERM) stops
the services first, then the server, so nothing in flight is cut. One run a
data dir: the lock (`wsis/lock.py`) is taken before anything is started.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import redis

from shared import acl, topology
from shared.events import T
from shared.logs import configure_logging, get_logger
from shared.settings import Settings
from wsis import ops
from wsis.client import cloudevent
from wsis.embedded import EmbeddedValkey, die_with_parent
from wsis.lock import hold_data_dir
from wsis.private import owner_only, write_private

log = get_logger()
RESTART_BACKOFF_MAX = 30.0
STOP_GRACE_SECONDS = 20.0


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.next_start = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wsis.cli", "run", self.name],
            env=self.env,
            preexec_fn=die_with_parent,
        )
        log.info("service.spawned", child=self.name, pid=self.process.pid, restarts=self.restarts)

    def check(self, now: float) -> None:
        """Start the service again if it died (with a growing pause)."""
        if self.process is None:
            if now >= self.next_start:
                self.start()
            return
        code = self.process.poll()
        if code is None:
            return
        self.restarts += 1
        pause = min(RESTART_BACKOFF_MAX, 0.5 * 2 ** min(self.restarts, 6))
        log.warning("service.exited", child=self.name, pid=self.process.pid, exit_code=code, signal=_signal_name(code), restart_in=pause)
        self.process = None
        self.next_start = now + pause

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        """Wait for a graceful stop until `deadline`, then kill."""
        if self.process is None:
            return
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("service.killed", child=self.name, pid=self.process.pid)
            self.process.kill()
            self.process.wait()


def _signal_name(code: int) -> str | None:
    """The signal that ended a process (Popen reports it as a negative exit code)."""
    if code >= 0:
        return None
    try:
        return signal.Signals(-code).name
    except ValueError:
        return str(-code)


def tick_event(now: datetime) -> bytes:
    stamp = now.replace(second=0, microsecond=0).astimezone(UTC)
    iso = stamp.isoformat().replace("+00:00", "Z")
    return orjson.dumps(cloudevent(T.CLOCK_TICK, {}, source="wsis-prizes/ticker", id=f"tick-{iso}", time=iso))


def tick_forever(url: str, every: float, stop: threading.Event) -> None:
    client = redis.Redis.from_url(url)
    while not stop.is_set():
        try:
            client.xadd(topology.IN_CLOCK, {"__data__": tick_event(datetime.now(UTC))})
        except redis.RedisError as exc:
            log.warning("ticker.failed", error=str(exc))
        stop.wait(every)


def start_embedded(settings: Settings, data_dir: Path) -> tuple[EmbeddedValkey, dict[str, str]]:
    """The embedded Valkey with one ACL user a service, passwords new for this run.

    Staff keep the default user, with a password: its URL goes to
    `<data dir>/valkey/url`, readable by the owner alone; each outside
    publisher's (CONTRACT 4) to `<data dir>/publishers/USER.url`. With
    `WSIS_REDIS_ACL=false` every process is the default user, without one.
    """
    valkey_dir = data_dir / "valkey"
    valkey_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    extra: dict[str, str] = {}
    passwords: dict[str, str] = {}
    admin = None
    if settings.redis_acl:
        admin = settings.redis_admin_password or secrets.token_urlsafe(24)
        passwords = acl.new_passwords()
        extra["aclfile"] = str(write_private(valkey_dir / "users.acl", acl.users_file(passwords, admin)))
    server = EmbeddedValkey(data_dir, extra_config=extra, password=admin, maxmemory=settings.valkey_maxmemory).start()
    for user in acl.PUBLISHER_USERS if passwords else ():
        write_private(publisher_url_file(data_dir, user), acl.with_credentials(server.url, user, passwords[user]) + "/0")
    url = acl.with_credentials(server.url, "default", admin) if admin else server.url
    write_private(server.dir / "url", url)
    log.info("valkey.started", url=server.url, dir=str(server.dir), acl_users=sorted(passwords))
    return server, passwords


def retire_stale_groups(admin_url: str) -> None:
    """An earlier release's consumer groups go before the services start (`ops.retire_stale_groups`);
    a server where this user may not destroy groups keeps them, and says so once."""
    try:
        for gone in ops.retire_stale_groups(redis.Redis.from_url(admin_url)):
            log.info("group.retired", stream=gone.stream, group=gone.group, pending=gone.pending, lag=gone.lag)
    except redis.RedisError as exc:
        log.warning("group.retire_failed", error=str(exc))


def publisher_url_file(data_dir: Path, user: str) -> Path:
    """Where `wsis up` leaves an outside publisher's URL for this run (CONTRACT 4)."""
    return data_dir / "publishers" / f"{user}.url"


def child_env(env: dict[str, str], name: str, password: str | None) -> dict[str, str]:
    """A service's environment: its own Redis password (generated, or
    `WSIS_REDIS_PASSWORD_<NAME>` for a given server), no one else's."""
    password = password or env.get(f"WSIS_REDIS_PASSWORD_{name.upper()}")
    env = {k: v for k, v in env.items() if not k.startswith("WSIS_REDIS_PASSWORD_")}
    return {**env, "WSIS_REDIS_PASSWORD": password} if password else env


class StopRequest:
    """The signal handler of `wsis up`: it sets a flag, nothing more.

    A handler runs in the main thread between two of its bytecodes, maybe
    while that thread holds a lock: `threading.Event.set` there would wait
    for the lock forever (the `Event.wait` of the main loop holds it at the
    start and the end of each wait).
    """

    def __init__(self) -> None:
        self.stop = False

    def __call__(self, signum: int, frame: object) -> None:
        self.stop = True


def run_all(settings: Settings, names: list[str], *, ticker: bool, tick_seconds: float) -> int:
    configure_logging("supervisor", settings.log_level, settings.log_format)
    # First of all: a Ctrl-C or SIGTERM at any moment of the start, even as the
    # server comes up, is a request to stop, answered by the same clean stop.
    asked = StopRequest()
    signal.signal(signal.SIGTERM, asked)
    signal.signal(signal.SIGINT, asked)
    stop = threading.Event()  # the ticker's
    data_dir = owner_only(Path(settings.data_dir).resolve())
    hold_data_dir(data_dir)  # before the server: a second run must not touch the first's
    server: EmbeddedValkey | None = None
    children: list[ServiceProcess] = []
    try:
        url = settings.redis_url
        passwords: dict[str, str] = {}
        if url is None:
            server, passwords = start_embedded(settings, data_dir)
            url = server.url
        admin = settings.redis_admin_password
        retire_stale_groups((server.dir / "url").read_text() if server else acl.with_credentials(url, "default", admin) if admin else url)
        env = {k: v for k, v in os.environ.items() if k != "WSIS_REDIS_ADMIN_PASSWORD"}
        env.update(WSIS_REDIS_URL=url, WSIS_DATA_DIR=str(data_dir))
        children = [ServiceProcess(name, child_env(env, name, passwords.get(name))) for name in names]
        ticker_password = passwords.get("ticker") or os.environ.get("WSIS_REDIS_PASSWORD_TICKER")
        if ticker_password:
            url = acl.with_credentials(url, "ticker", ticker_password)
        if ticker and not asked.stop:
            threading.Thread(target=tick_forever, args=(url, tick_seconds, stop), daemon=True).start()
        log.info("system.up", services=names, ticker=ticker, data_dir=str(data_dir))
        while not asked.stop:
            now = time.monotonic()
            for child in children:
                child.check(now)
            time.sleep(0.2)
    finally:
        stop.set()
        log.info("system.stopping")
        for child in children:
            child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            child.wait(deadline)
        if server is not None:
            server.stop()
            (server.dir / "url").unlink(missing_ok=True)
            for user in acl.PUBLISHER_USERS:  # this run's passwords: no use once it is gone
                publisher_url_file(data_dir, user).unlink(missing_ok=True)
        log.info("system.stopped")
    return 0
