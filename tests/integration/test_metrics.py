"""A running service's metrics, liveness and readiness, scraped over HTTP."""

from __future__ import annotations

import asyncio
import os
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared import topology
from shared.metrics import read_urls
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.services import running
from tests.support.streams import publish, wait_for

SUBMITTED = "wsis.submission.submitted"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


async def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, text = await asyncio.to_thread(_get, url)
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, given), v in samples.items() if n == name and labels.items() <= dict(given).items())


async def test_counters_move_as_entries_are_answered_and_dead_lettered(settings, redis):
    async with running("submission", settings) as service:
        url = service.metrics.url
        assert url is not None and url.endswith("/metrics")
        assert read_urls(settings.data_dir) == {service.consumer: url}  # what `wsis status` lists
        before = await scrape(url)
        assert value(before, "wsis_events_total", service="submission") == 0

        await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-1")))
        await publish(redis, topology.IN_SUBMISSIONS, cloudevent(SUBMITTED, submission("s-2")))
        await publish(redis, topology.IN_SUBMISSIONS, b"\x00not json{")
        await wait_for(redis, topology.OUT_SUBMISSION, lambda seen: len(seen) == 2)
        await wait_for(redis, topology.DEADLETTER, lambda seen: len(seen) == 1)

        after = await scrape(url)
        labels = {"service": "submission", "stream": topology.IN_SUBMISSIONS}
        assert value(after, "wsis_events_total", type=SUBMITTED, outcome="handled", **labels) == 2
        assert value(after, "wsis_dead_letters_total", **labels) == 1
        assert value(after, "wsis_published_total", service="submission", stream=topology.OUT_SUBMISSION) == 2
        assert value(after, "wsis_batch_seconds_count", **labels) >= 1

        # lag and pending of each input, read from the server every few seconds
        for _ in range(100):
            samples = await scrape(url)
            if (("wsis_input_pending", tuple(sorted(labels.items())))) in samples:
                break
            await asyncio.sleep(0.1)
        assert value(samples, "wsis_input_pending", **labels) == 0
        assert value(samples, "wsis_input_lag", **labels) == 0

        base = url.removesuffix("/metrics")
        assert (await asyncio.to_thread(_get, base + "/livez"))[0] == 200
        assert (await asyncio.to_thread(_get, base + "/readyz"))[0] == 200
    assert read_urls(settings.data_dir) == {}  # gone with the service
    with pytest.raises(OSError):
        await asyncio.to_thread(urllib.request.urlopen, base + "/livez", None, 2)


async def test_not_ready_before_the_inputs_are_read(settings):
    from tests.support.services import build

    service = build("submission", settings)
    assert not service.metrics.ready()
    assert service.metrics.live()


def test_a_killed_services_url_is_not_listed(tmp_path):
    import socket
    import subprocess

    from shared.metrics import run_dir

    dead = subprocess.Popen(["true"])  # a pid that ran and ended
    dead.wait()
    folder = run_dir(tmp_path)
    folder.mkdir(parents=True)
    gone = folder / f"voting-{socket.gethostname()}-{dead.pid}-abc123.url"
    gone.write_text("http://127.0.0.1:1/metrics\n")
    alive = folder / f"judging-{socket.gethostname()}-{os.getpid()}-def456.url"
    alive.write_text("http://127.0.0.1:2/metrics\n")
    elsewhere = folder / "notify-otherhost-1-0a0a0a.url"
    elsewhere.write_text("http://10.0.0.2:9464/metrics\n")

    assert read_urls(tmp_path) == {alive.stem: "http://127.0.0.1:2/metrics", elsewhere.stem: "http://10.0.0.2:9464/metrics"}
    assert not gone.exists()


async def test_the_ballots_hot_path_counts_votes_by_outcome(settings, redis):
    async with running("voting", settings) as service:
        ballot = cloudevent("wsis.ballot.cast", {"voter_id": "nobody", "category": 1, "project_id": "p-1"})
        await publish(redis, topology.IN_BALLOTS, ballot)
        await wait_for(redis, topology.OUT_VOTING, lambda seen: len(seen) == 1)

        samples = await scrape(service.metrics.url)
        assert value(samples, "wsis_votes_total", service="voting", outcome="voter_unknown") == 1
        assert value(samples, "wsis_votes_total", service="voting", outcome="accepted") == 0
        ballots = {"service": "voting", "stream": topology.IN_BALLOTS}
        assert value(samples, "wsis_events_total", type="wsis.ballot.cast", outcome="handled", **ballots) == 1
        assert value(samples, "wsis_outcomes_total", outcome="rejected", **ballots) == 1
        assert value(samples, "wsis_batch_seconds_count", **ballots) >= 1
        assert value(samples, "wsis_published_total", service="voting", stream=topology.OUT_VOTING) == 1
