"""No personal data leaks: a small contest, then every log line and outbound event is searched.

The five services run as `wsis up` runs them (own processes, JSON logs);
the contest is tests/scenario's at a small scale, plus entries whose
personal data is malformed (rejected: the rejection must not repeat it).
Coordinators' names and addresses may appear in `wsis.submission.received`
(CONTRACT 5.1) and in the emails themselves; nowhere else.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared import topology
from tests.support.contest import Phase, ce, contest, entry, member, personal_data
from tests.support.driver import play
from tests.support.streams import read
from tests.support.systems import System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
VOTERS = 40
MALFORMED = {
    "Jane Quinn-Roe": "jane.quinn-roe@example.org x",  # not an address
    "Ramón Ñúñez\n": "ramon.nunez@@example.org",
}
MALFORMED_MEMBER = {"username": "malformed_member_name", "email": ["listed.member@example.net"]}


def malformed() -> Phase:
    events = [
        ce(topology.IN_SUBMISSIONS, "wsis.submission.submitted", f"bad-person-{n}", "2021-01-11T10:00:00Z",
           entry(2, 50 + n, coordinator={"name": name, "email": email}))
        for n, (name, email) in enumerate(MALFORMED.items())
    ]
    stream, body = member("malformed")
    event = json.loads(body)
    event["data"].update(MALFORMED_MEMBER)
    events.append((stream, json.dumps(event).encode()))
    return Phase("malformed personal data", events)


def secrets_used() -> set[str]:
    found = personal_data(VOTERS) | {"user_malformed", "malformed@members.example.net", "listed.member@example.net", "malformed_member_name"}
    for name, email in MALFORMED.items():
        found |= {name.strip(), email.split()[0]}
    return found


def readable(line: str) -> str:
    """A JSON log line with its escapes undone (a name in \\u escapes is still a name)."""
    try:
        return json.dumps(json.loads(line), ensure_ascii=False)
    except ValueError:
        return line


def test_no_log_line_and_no_outbound_event_but_the_received_entry_names_a_person(tmp_path: Path):
    system = System(tmp_path, replay="true", block_ms="50", reclaim_idle_ms="2000", notify_poll_seconds="0.05", log_level="DEBUG")
    phases = contest(VOTERS, seed=5)
    try:
        play(system, [phases[0], malformed(), *phases[1:]])
        public = {s: read(system.admin, s) for s in (*topology.OUTBOUND, topology.DEADLETTER) if s != topology.OUT_SUBMISSION}
        intake = read(system.admin, topology.OUT_SUBMISSION)
    finally:
        system.stop()
    secrets = secrets_used()
    assert len(public[topology.OUT_NOTIFY]) > 100 and public[topology.SEALED_JUDGING]  # the contest reached its end

    found = []
    for log in sorted(system.logs.glob("*.log")):
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), start=1):
            found += [(log.name, number, s) for s in secrets if s in readable(line)]
    for stream, events in public.items():
        found += [(stream, e["id"], s) for e in events for s in secrets if s in json.dumps(e, ensure_ascii=False)]
    for event in intake:
        if event["type"] != "wsis.submission.received":
            found += [(topology.OUT_SUBMISSION, event["id"], s) for s in secrets if s in json.dumps(event, ensure_ascii=False)]
    assert not found, found[:10]
    # The search sees personal data where it may be: it would see it elsewhere.
    assert any(s in json.dumps(e, ensure_ascii=False) for e in intake for s in secrets)
    rejected = [e for e in intake if e["type"] == "wsis.submission.rejected" and e["causationid"].startswith("bad-person-")]
    assert len(rejected) == len(MALFORMED) and all(e["data"]["errors"] for e in rejected)
    assert sum(e["type"] == "wsis.submission.received" for e in intake) > 100  # the one place they may be
