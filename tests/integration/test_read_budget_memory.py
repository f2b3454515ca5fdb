"""A service fed a thousand entries of 2 MiB stays small and keeps answering the good ones.

Redis cannot bound the bytes of an XREADGROUP reply, only its count, so the
runtime bounds what it asks for (`shared.reading.ReadBudget`,
`WSIS_BATCH_BYTES`). Here one service runs as its own process (`wsis run`)
on its production batch sizes, against an embedded server of its own; each
wave of 200 entries of 2 MiB, interleaved with 200 good events, lands in one
transaction, so the service finds the whole wave waiting at its next read.
Every good event must get its answer, every big entry its dead letter (with
`raw` cut to 64 KiB), and the process's peak resident memory (VmHWM) must
stay under 300 MB. Both read loops are covered: the FastStream batch
subscriber (submission's intake) and the hot-path lane (voting's ballots).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from shared import topology
from tests.support.events import ballot, cloudevent
from tests.support.factories import submission
from tests.support.processes import ROOT, clean_environment
from tests.support.streams import read
from tests.support.waiting import wait_until
from wsis.embedded import EmbeddedValkey

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
MiB = 1024 * 1024
BIG_BYTES = 2 * MiB
WAVES, PER_WAVE = 5, 200  # a thousand big entries
RSS_LIMIT_KB = 300 * 1000


def big_entry(n: int) -> bytes:
    """A CloudEvent of 2 MiB: over the contract's 1 MiB, so it is dead-lettered unread."""
    padding = "x" * (BIG_BYTES - 300)
    return json.dumps(cloudevent("wsis.submission.submitted", {"padding": padding}, id_=f"big-{n}")).encode()


def good_submission(n: int) -> dict[str, Any]:
    return cloudevent("wsis.submission.submitted", submission(f"sub-{n}"), id_=f"good-{n}")


def good_ballot(n: int) -> dict[str, Any]:
    # Timed before the vote opens: answered at once (voting_closed), never held.
    return ballot(f"v-{n}", 4, "p-1", time_="2021-02-28T22:59:59Z", id_=f"good-{n}")


CASES: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
    "submission": (topology.IN_SUBMISSIONS, good_submission),  # a FastStream batch subscriber
    "voting": (topology.IN_BALLOTS, good_ballot),  # the hot-path lane
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedValkey]:
    # No append-only file: two gigabytes through the server need not go to disk.
    with EmbeddedValkey(tmp_path / "bus", extra_config={"appendonly": "no"}, maxmemory="2gb") as running:
        yield running


def start_service(name: str, server: EmbeddedValkey, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**clean_environment(), "WSIS_REPLAY": "true", "WSIS_LOG_FORMAT": "json", "WSIS_BLOCK_MS": "20"}
    cmd = [sys.executable, "-m", "wsis.cli", "run", name, "--redis-url", server.url, "--data-dir", str(data_dir)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"), cwd=ROOT)


def peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1])


def feed_wave(client: redis.Redis, stream: str, wave: int, good: Callable[[int], dict[str, Any]]) -> list[str]:
    """A wave of big entries and good events, alternating, appended in one transaction; the good events' ids."""
    pipe = client.pipeline(transaction=True)
    ids = []
    for i in range(wave * PER_WAVE, (wave + 1) * PER_WAVE):
        pipe.xadd(stream, {"__data__": big_entry(i)})
        event = good(i)
        ids.append(event["id"])
        pipe.xadd(stream, {"__data__": json.dumps(event)})
    pipe.execute()
    return ids


@pytest.mark.parametrize("name", list(CASES))
def test_a_thousand_entries_of_2_mib_are_dead_lettered_in_bounded_memory_and_good_ones_answered(
    name: str, server: EmbeddedValkey, tmp_path: Path
):
    stream, good = CASES[name]
    output = topology.SERVICES[name].outputs[0].stream
    client = redis.Redis.from_url(server.url)
    log = tmp_path / f"{name}.log"
    process = start_service(name, server, tmp_path / "data", log)
    try:
        wait_until(lambda: client.exists(stream) and client.xinfo_groups(stream), what=f"{name} to create its group", timeout=60)
        sent: list[str] = []
        for wave in range(WAVES):
            sent += feed_wave(client, stream, wave, good)
            done = (wave + 1) * PER_WAVE
            wait_until(lambda: client.xlen(topology.DEADLETTER) >= done and client.xlen(output) >= done,
                       what=f"wave {wave}'s answers and dead letters", timeout=120)
            # Handled: drop the wave from the server, as MAXLEN would in a long run.
            assert client.xpending(stream, name)["pending"] == 0
            client.xtrim(stream, maxlen=0)
        assert process.poll() is None, log.read_text()[-2000:]
        peak = peak_rss_kb(process.pid)
    finally:
        process.terminate()
        process.wait(30)

    answered = {e["causationid"] for e in read(client, output)}
    letters = [e["data"] for e in read(client, topology.DEADLETTER)]
    print(f"{name}: peak RSS {peak / 1000:.0f} MB over {WAVES * PER_WAVE} entries of 2 MiB")
    assert answered == set(sent)
    assert len(letters) == WAVES * PER_WAVE
    assert all(letter["stream"] == stream and "limit is" in letter["error"] for letter in letters)
    assert max(len(letter["raw"].encode()) for letter in letters) <= 64 * 1024
    assert peak < RSS_LIMIT_KB, f"{name} peaked at {peak / 1000:.0f} MB"
