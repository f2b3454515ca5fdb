"""Each service's Prometheus metrics, liveness and readiness, on HTTP.

    GET /metrics   the Prometheus text format
    GET /livez     200 while the service's event loop turns (a heartbeat
                   younger than `LIVE_WITHIN` seconds), else 503
    GET /readyz    200 once the service reads its inputs and Redis answered
                   the last check, else 503

One `ServiceMetrics` per running service, with a registry of its own (tests
run several services in one process). The server listens on
`WSIS_METRICS_HOST:WSIS_METRICS_PORT` (port 0: one the system picks); its
URL is logged (`metrics.serving`) and, for `wsis status`, written to
`<data dir>/run/metrics/<consumer>.url` while the service runs.

What is counted (every name starts `wsis_`, every series has `service`):

| metric | labels | what |
|---|---|---|
| `events_total` | stream, type, outcome | entries read: `handled`, `passed` (a type the input lets pass) |
| `dead_letters_total` | stream | entries dead-lettered (unreadable, unknown type, retried to the end) |
| `outcomes_total` | stream, outcome | what a hot-path batch decided (`accepted`, `rejected`, `repeats`, `held`, `stored`...) |
| `votes_total` | outcome | ballots answered: `accepted` or the rejection reason |
| `emails_total` | outcome | notifications `sent` or `failed` |
| `published_total` | stream | entries appended (answers, reports, dead letters) |
| `batch_seconds` | stream | time from reading a batch to its answers being out (histogram) |
| `input_lag` | stream | entries of the input not yet delivered to the service's group |
| `input_pending` | stream | entries delivered and not yet acknowledged |
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    make_wsgi_app,
)
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler
from redis.asyncio import Redis

from shared import bus
from shared.logs import get_logger

LIVE_WITHIN = 30.0  # seconds without a heartbeat before /livez fails
READY_WITHIN = 20.0  # seconds since Redis last answered before /readyz fails
REFRESH_EVERY = 5.0  # seconds between two reads of the inputs' lag and pending
SHUTDOWN_POLL = 0.05  # seconds between the HTTP server's looks at its shutdown flag
BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

log = get_logger()


def run_dir(data_dir: Path) -> Path:
    """Where running services leave their metrics URLs (`wsis status` reads them)."""
    return data_dir / "run" / "metrics"


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.events = Counter("wsis_events", "Entries read, by input, event type and outcome", ["service", "stream", "type", "outcome"], registry=registry)
        self.dead = Counter("wsis_dead_letters", "Entries dead-lettered, by the input they were read from", ["service", "stream"], registry=registry)
        self.outcomes = Counter("wsis_outcomes", "What hot-path batches decided", ["service", "stream", "outcome"], registry=registry)
        self.votes = Counter("wsis_votes", "Ballots answered: accepted or the rejection reason", ["service", "outcome"], registry=registry)
        self.emails = Counter("wsis_emails", "Notifications sent or failed", ["service", "outcome"], registry=registry)
        self.published = Counter("wsis_published", "Entries appended, by stream", ["service", "stream"], registry=registry)
        self.batch = Histogram("wsis_batch_seconds", "From reading a batch to its answers being out", ["service", "stream"],
                               buckets=BATCH_BUCKETS, registry=registry)
        self.lag = Gauge("wsis_input_lag", "Entries of an input not yet delivered to the service's group", ["service", "stream"], registry=registry)
        self.pending = Gauge("wsis_input_pending", "Entries delivered to the group and not yet acknowledged", ["service", "stream"], registry=registry)
        self.beat = time.monotonic()
        self.reading = False  # the service reads its inputs (after start, before stop)
        self.redis_answered: float | None = None
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self._url_file: Path | None = None
        self._metrics_app = make_wsgi_app(registry)
        self.url: str | None = None

    # --- counting (called on the event loop; prometheus_client is thread-safe) ------

    def batch_read(self, stream: str, types: Iterable[str], passed: int = 0) -> None:
        for kind, n in Tally(types).items():
            self.events.labels(self.service, stream, kind, "handled").inc(n)
        if passed:
            self.events.labels(self.service, stream, "", "passed").inc(passed)

    def batch_done(self, stream: str, seconds: float, dead: int = 0, outcomes: Mapping[str, int] | None = None) -> None:
        self.batch.labels(self.service, stream).observe(seconds)
        if dead:
            self.dead.labels(self.service, stream).inc(dead)
        for outcome, n in (outcomes or {}).items():
            if n:
                self.outcomes.labels(self.service, stream, outcome).inc(n)

    def appended(self, streams: Iterable[str]) -> None:
        for stream, n in Tally(streams).items():
            self.published.labels(self.service, stream).inc(n)

    def dead_lettered(self, stream: str, n: int = 1) -> None:
        self.dead.labels(self.service, stream).inc(n)

    def voted(self, outcomes: Mapping[str, int]) -> None:
        for outcome, n in outcomes.items():
            if n:
                self.votes.labels(self.service, outcome).inc(n)

    def emailed(self, outcome: str, n: int = 1) -> None:
        self.emails.labels(self.service, outcome).inc(n)

    # --- health ---------------------------------------------------------------------

    def live(self, now: float | None = None) -> bool:
        return (now or time.monotonic()) - self.beat < LIVE_WITHIN

    def ready(self, now: float | None = None) -> bool:
        answered = self.redis_answered
        return self.reading and answered is not None and (now or time.monotonic()) - answered < READY_WITHIN

    # --- the HTTP server and the refresh loop ------------------------------------------

    def serve(self, host: str, port: int, data_dir: Path | None, consumer: str) -> str:
        """Start the HTTP server on a thread of its own; returns its URL."""
        server = make_server(host, port, self._app, ThreadingWSGIServer, handler_class=_SilentHandler)
        self._server = server
        # A stop waits for the server's next look at its shutdown flag: every 0.05 s, not 0.5.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL},
                                        name=f"{self.service}-metrics", daemon=True)  # fmt: skip
        self._thread.start()
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.url = f"http://{shown}:{server.server_port}/metrics"
        if data_dir is not None:
            folder = run_dir(data_dir)
            with suppress(OSError):
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._url_file = folder / f"{consumer}.url"
                self._url_file.write_text(self.url + "\n")
                self._url_file.chmod(0o600)
        log.info("metrics.serving", url=self.url)
        return self.url

    def watch(self, redis: Redis, streams: Iterable[str]) -> None:
        """Beat the heartbeat and refresh the inputs' lag and pending, every few seconds."""
        self._task = asyncio.create_task(self._refresh(redis, tuple(streams)), name=f"{self.service}-metrics")

    async def _refresh(self, redis: Redis, streams: tuple[str, ...]) -> None:
        next_read = 0.0
        while True:
            now = time.monotonic()
            self.beat = now
            if now >= next_read:
                next_read = now + REFRESH_EVERY
                try:
                    for stream in streams:
                        self._take_groups(stream, await redis.xinfo_groups(stream))
                    self.redis_answered = time.monotonic()
                except Exception as exc:  # a stream not made yet, a server away: not ready, retried
                    log.debug("metrics.refresh_failed", error=type(exc).__name__)
            await asyncio.sleep(1.0)

    def _take_groups(self, stream: str, groups: Sequence[Mapping[str, Any]]) -> None:
        for info in groups:
            if bus.text(info["name"]) != self.service:  # the service's group bears its name
                continue
            lag = info.get("lag")
            self.lag.labels(self.service, stream).set(float(lag) if lag is not None else float("nan"))
            self.pending.labels(self.service, stream).set(float(info["pending"]))

    async def close(self) -> None:
        self.reading = False
        if self._task is not None:
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=0.5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._url_file is not None:
            with suppress(OSError):
                self._url_file.unlink()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path in ("/livez", "/readyz"):
            ok = self.live() if path == "/livez" else self.ready()
            body = (b"ok\n" if ok else b"unavailable\n")
            start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return iter([body])
        return iter(self._metrics_app(environ, start_response))


def read_urls(data_dir: Path) -> dict[str, str]:
    """consumer -> metrics URL of the services running on `data_dir`.

    A process killed without a clean stop leaves its file: a file naming a
    process of this host that no longer runs is skipped and removed.
    """
    folder = run_dir(data_dir)
    urls: dict[str, str] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.url")):
            if not _running(path.stem):
                with suppress(OSError):
                    path.unlink()
                continue
            with suppress(OSError):
                urls[path.stem] = path.read_text().strip()
    return urls


def _running(consumer: str) -> bool:
    """Whether the process a consumer name (shared.bus) names runs, where this host can tell."""
    pid = bus.consumer_pid(consumer)
    if pid is None:
        return True  # another host's: cannot tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
