"""`wsis up` as an operator meets it: its log, its lock, and the commands that read it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.processes import ROOT, clean_environment

IN, OUT = "wsis:in:submissions", "wsis:out:submission"
SERVICES = {"submission", "eligibility", "voting", "judging", "notify"}


def wsis(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wsis.cli", *args], cwd=ROOT, env=clean_environment(), capture_output=True, text=True, timeout=timeout)


def log_lines(log: Path) -> list[dict]:
    """Every line of the log, each one a JSON object (a spliced line fails here)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def wait_for_line(log: Path, matches, timeout: float = 60.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if line.strip() and matches(entry := json.loads(line)):
                return entry
        time.sleep(0.1)
    raise AssertionError(f"no such line in {log}")


def test_every_log_line_is_json_naming_its_service_and_a_crashed_child_is_named_with_pid_and_status(system):
    client = system.start()
    for n in range(5):
        event = cloudevent("wsis.submission.submitted", submission(f"log-{n}", entity={**submission()["entity"], "entity_id": f"org-{n}"}))
        client.xadd(IN, {"__data__": json.dumps(event)})
    client.xadd(IN, {"__data__": "not json"})
    deadline = time.monotonic() + 60
    while client.xlen(OUT) < 5 and time.monotonic() < deadline:
        time.sleep(0.1)

    for name in SERVICES:  # each has written a line of its own
        wait_for_line(system.log, lambda e, name=name: e["event"] == "service.started" and e["service"] == name, timeout=120)
    spawned = wait_for_line(system.log, lambda e: e["event"] == "service.spawned" and e.get("child") == "notify")
    os.kill(spawned["pid"], signal.SIGKILL)
    exited = wait_for_line(system.log, lambda e: e["event"] == "service.exited")
    assert (exited["child"], exited["pid"], exited["exit_code"], exited["signal"]) == ("notify", spawned["pid"], -9, "SIGKILL")
    wait_for_line(system.log, lambda e: e["event"] == "service.spawned" and e.get("restarts") == 1)
    assert system.interrupt() == 0

    lines = log_lines(system.log)
    assert all("service" in line and "event" in line for line in lines)
    assert {line["service"] for line in lines} == SERVICES | {"supervisor"}
    assert {line["child"] for line in lines if line["event"] == "service.spawned"} == SERVICES
    assert "[redacted]" not in {line.get("child") for line in lines}


def test_a_second_up_on_the_same_data_dir_is_refused_and_the_first_goes_on(system):
    client = system.start()
    server_pid = int((system.data_dir / "valkey" / "valkey.pid").read_text())

    second = wsis("up", "--no-ticker", "--data-dir", str(system.data_dir))
    assert second.returncode == 1 and second.stdout == ""
    (line,) = second.stderr.strip().splitlines()
    assert line.startswith(f"another `wsis up` (pid {system.process.pid}) is running on {system.data_dir}")

    assert client.ping() and Path(f"/proc/{server_pid}").exists()
    client.xadd(IN, {"__data__": json.dumps(cloudevent("wsis.submission.submitted", submission("after-1")))})
    deadline = time.monotonic() + 60
    while client.xlen(OUT) < 1:
        assert time.monotonic() < deadline, "the first `wsis up` stopped answering"
        time.sleep(0.1)
    assert system.interrupt() == 0


def test_operator_commands_name_the_embedded_server_and_say_when_it_has_stopped(system):
    system.start()
    status = wsis("status", "--json", "--data-dir", str(system.data_dir))
    assert status.returncode == 0, status.stderr
    (line,) = status.stderr.strip().splitlines()
    assert line.startswith("reading redis://default:***@127.0.0.1:")
    assert line.endswith(f"(the embedded server of `wsis up` on {system.data_dir})")
    assert any(s["stream"] == IN for s in json.loads(status.stdout))
    assert wsis("results", "--json", "--data-dir", str(system.data_dir)).returncode == 0

    assert system.interrupt() == 0
    stopped = wsis("results", "--data-dir", str(system.data_dir))
    assert stopped.returncode == 1 and stopped.stdout == ""
    (line,) = stopped.stderr.strip().splitlines()
    assert line.startswith(f"nothing to read: no `wsis up` is running on {system.data_dir}")


def test_after_a_crash_the_commands_say_the_server_is_gone_and_the_lock_is_free_again(system):
    system.start()
    server_pid = int((system.data_dir / "valkey" / "valkey.pid").read_text())
    system.crash()  # SIGKILL: the url file stays behind, the kernel lets the lock go
    deadline = time.monotonic() + 30
    while Path(f"/proc/{server_pid}").exists():
        assert time.monotonic() < deadline, "the server outlived its `wsis up`"
        time.sleep(0.1)

    status = wsis("status", "--data-dir", str(system.data_dir))
    assert status.returncode == 1 and status.stdout == ""
    (line,) = status.stderr.strip().splitlines()
    assert line.startswith("nothing to read: redis://default:***@127.0.0.1:") and "Traceback" not in status.stderr

    client = system.start()  # not refused: no stale lock
    assert client.ping()
    assert system.interrupt() == 0


def test_ctrl_c_at_any_moment_of_the_start_stops_the_system_cleanly(system):
    """From the moment `wsis up` starts, a Ctrl-C is a request to stop, answered like any other: exit 0, server down."""
    system.start()
    assert system.interrupt() == 0  # as the services come up
    for _ in range(3):
        system.start()  # the groups are kept: this returns as soon as the server answers
        server_pid = int((system.data_dir / "valkey" / "valkey.pid").read_text())
        assert system.interrupt() == 0
        assert not Path(f"/proc/{server_pid}").exists() and not (system.data_dir / "valkey" / "url").exists()
    assert [e["event"] for e in log_lines(system.log) if e["service"] == "supervisor" and e["event"] == "system.stopped"] == ["system.stopped"] * 4


@pytest.mark.slow
def test_ctrl_c_on_a_terminal_lets_every_service_finish_and_leave_its_groups_before_the_server_stops(tmp_path):
    """A terminal's Ctrl-C signals the whole foreground process group, the embedded server's too."""
    log = tmp_path / "up.log"
    env = {**clean_environment(), "WSIS_LOG_FORMAT": "json"}
    with log.open("ab") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "wsis.cli", "up", "--no-ticker", "--data-dir", str(tmp_path / "data")],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        for name in SERVICES:
            wait_for_line(log, lambda e, name=name: e.get("event") == "service.started" and e.get("service") == name, timeout=180)
        os.killpg(up.pid, signal.SIGINT)  # what the terminal does
        assert up.wait(timeout=60) == 0
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
    lines = log_lines(log)
    assert not [e for e in lines if e.get("event") == "group.leave_failed"]
    left = {e["service"]: set(e["streams"]) for e in lines if e.get("event") == "group.left"}
    from shared import topology

    assert left == {name: set(topology.SERVICES[name].reads) for name in SERVICES}


def test_an_earlier_releases_consumer_groups_are_retired_when_the_system_starts(system):
    client = system.start()
    client.xadd("wsis:out:voting", {"__data__": "{}"})
    client.xgroup_create("wsis:out:voting", "judging", id="0")  # where judging read the reports before
    for name in SERVICES:  # a clean stop, once each has started
        wait_for_line(system.log, lambda e, name=name: e["event"] == "service.started" and e["service"] == name, timeout=120)
    assert system.interrupt() == 0

    client = system.start()

    # `start` returns once the submission group exists, and the first run left it in the server's
    # file: the second run's retirement is awaited by its log line, then the group is looked for.
    retired = wait_for_line(system.log, lambda e: e["event"] == "group.retired")
    assert (retired["stream"], retired["group"], retired["pending"]) == ("wsis:out:voting", "judging", 0)
    assert "judging" not in {g["name"].decode() for g in client.xinfo_groups("wsis:out:voting")}
    assert system.interrupt() == 0
