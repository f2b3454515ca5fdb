"""The demo's own bookkeeping: its data dir, intake's answers, the emails it expects, the CPU by phase."""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from demo.checks import expected_emails
from demo.driver import BACKGROUND_NICENESS, _lower_priority
from demo.system import MARKER, Claim, DemoError, fresh
from demo.watch import Intake
from report.state import ContestState


def test_a_demo_starts_on_an_empty_data_dir_and_empties_only_one_an_earlier_demo_made(tmp_path):
    made = fresh(tmp_path / "demo")
    (made / "valkey").mkdir()
    assert fresh(made) == made and [p.name for p in made.iterdir()] == [MARKER]
    other = tmp_path / "precious"
    other.mkdir()
    (other / "data.db").write_text("keep me")
    with pytest.raises(DemoError, match="not a demo's"):
        fresh(other)
    assert (other / "data.db").read_text() == "keep me"


def answer(kind: str, cause: str, data: dict, event_id: str = "x") -> bytes:
    return orjson.dumps({"id": event_id, "type": kind, "causationid": cause, "data": data})


def test_intake_keeps_each_entrys_latest_revision_and_why_an_event_was_rejected():
    intake = Intake()
    intake.apply(answer("wsis.submission.received", "sub-1", {"submission_id": "s", "revision": 1, "coordinator": {}}, "r-1"))
    intake.apply(answer("wsis.submission.received", "sub-2", {"submission_id": "s", "revision": 2}, "r-2"))
    intake.apply(answer("wsis.submission.received", "sub-2", {"submission_id": "s", "revision": 2}, "r-2"))  # redelivered
    intake.apply(answer("wsis.submission.rejected", "sub-3", {"errors": [{"field": "time", "message": "deadline: closed"}]}))
    intake.apply(answer("wsis.submission.rejected", "sub-4", {"errors": [{"field": "entity.country", "message": "bad"}]}))
    assert intake.revisions == {"s": (2, "r-2")} and len(intake.answered) == 4
    assert intake.rejected == {"deadline": 1, "schema": 1}


def test_the_emails_expected_follow_the_contracts_occasions():
    state = ContestState()
    state.verdicts = dict.fromkeys(("a", "b", "c"))  # type: ignore[arg-type]
    state.progress = {1: {1: {"a": 1, "b": 0}}, 2: {1: {"a": 2, "b": 0}}}
    state.closed = {1: {"finalists": ["a", "b"]}}
    state.awards = {1: {"winner": "a", "champions": ["b"]}}
    assert expected_emails(state) == {"acknowledgement": 3, "nomination": 3, "progress": 4, "champion": 2, "winner": 1, "awards": 2}


def test_a_second_demo_on_the_same_data_dir_is_refused_while_the_first_runs(tmp_path):
    with Claim(tmp_path / "demo"):
        with pytest.raises(DemoError, match="another `wsis demo` is running on .*demo;"):
            Claim(tmp_path / "demo").__enter__()
    with Claim(tmp_path / "demo"):  # free again once the first is done
        pass


def test_the_system_stopped_while_the_report_is_written_is_waited_for_once_it_is_asked_to_stop(tmp_path):
    import subprocess
    import sys
    import time

    from demo.system import DemoSystem

    system = DemoSystem(tmp_path)
    # a stand-in for `wsis up`: Ctrl-C stops it after a moment's work, a second one changes nothing
    stand_in = (  # `wsis up`: Ctrl-C stops it after a moment's work, a second one changes nothing
        "import signal, sys, time\n"
        "def stop(*_):\n"
        "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "    time.sleep(0.3)\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    system.process = subprocess.Popen([sys.executable, "-c", stand_in], stdout=subprocess.PIPE)
    assert system.process.stdout is not None and system.process.stdout.readline() == b"ready\n"
    asked = time.monotonic()
    system.interrupt()
    assert system.process.poll() is None  # not waited for
    system.stop(timeout=30)
    assert system.process.returncode == 0 and time.monotonic() - asked < 20
    system.stop()  # stopped: nothing to do


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux schedules each thread by its own niceness")
def test_the_plan_runs_on_a_thread_of_lower_priority_and_the_rest_of_the_demo_keeps_its_own():
    with ThreadPoolExecutor(1, initializer=_lower_priority) as planner:
        niceness = planner.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert niceness == min(19, os.getpriority(os.PRIO_PROCESS, 0) + BACKGROUND_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == os.getpriority(os.PRIO_PROCESS, 0)


def test_the_cpu_by_phase_counts_the_demo_and_each_process_under_the_system_within_each_phase_alone(monkeypatch):
    from rich.console import Console

    from demo import cpu
    from demo.cli import cpu_by_phase
    from demo.driver import Outcome

    clock = iter([1.0, 4.0, 4.0, 5.0])  # the demo's own CPU at each phase's start and end
    used = iter([{"voting": 10.0}, {"voting": 25.0, "valkey-server": 6.0}, {"voting": 25.0, "valkey-server": 6.0},
                 {"voting": 25.5, "valkey-server": 6.0}])  # fmt: skip
    monkeypatch.setattr(cpu.time, "process_time", lambda: next(clock))
    monkeypatch.setattr(cpu, "tree", lambda root: next(used))
    meter = cpu.Meter(root=1)
    with meter.span("3 public voting"):
        pass
    with meter.span("reading back and checking"):
        pass
    assert meter.spans["3 public voting"] == {cpu.DEMO: 3.0, "voting": 15.0, "valkey-server": 6.0}
    assert meter.spans["reading back and checking"] == {cpu.DEMO: 1.0, "voting": 0.5, "valkey-server": 0.0}

    outcome = Outcome({}, {"3 public voting": 12.0, "reading back and checking": 2.0}, Counter(), [], cpu_by_phase=meter.spans)
    console = Console(width=120, record=True)
    console.print(cpu_by_phase(outcome))
    text = console.export_text()
    assert "3 public voting" in text and "12.0 s" in text and "24.0 s" in text and "2.00" in text
    assert "voting 15.0, valkey-server 6.0, demo 3.0" in text
    assert "demo 1.0, voting 0.5" in text and "valkey-server 0.0" not in text  # a process idle in the phase is not named
