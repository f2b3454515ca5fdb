"""Hostile input on every inbound stream: valid events still get their answers, nothing stops.

Ten thousand entries drawn by hypothesis a stream (tests/fuzz/hostile.py;
the first thousand on PostgreSQL, for CI time), oversized ones, and valid events mixed in, into the five services running
as `wsis up` runs them (own processes, own ACL users, on the wall clock so
times far ahead are refused). Every entry that is not a CloudEvent of a
type its stream carries must come back as a dead letter; every readable
entry of a kind that has an answer must get one (a rejection, most often)
or, if the service could not decide it, a dead letter after its retries;
every valid event gets its usual answer; no service process exits; memory
stays bounded.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from shared import topology
from shared.envelope import MAX_ENTRY_BYTES, CloudEvent, parse_entry
from tests.fuzz.hostile import NATIVE, draw_entries
from tests.support.driver import publish
from tests.support.events import cloudevent
from tests.support.factories import submission
from tests.support.streams import read
from tests.support.systems import SERVICES, System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]
PER_STREAM = int(os.environ.get("WSIS_FUZZ_ENTRIES", "10000"))
PER_STREAM_POSTGRES = int(os.environ.get("WSIS_FUZZ_ENTRIES_POSTGRES", "1000"))
ACCEPTS = {
    topology.IN_SUBMISSIONS: {"wsis.submission.submitted"},
    topology.IN_STAKEHOLDERS: {"wsis.stakeholder.registered"},
    topology.IN_BALLOTS: {"wsis.ballot.cast"},
    topology.IN_PANEL: {"wsis.panel.nominated", "wsis.panel.nomination_withdrawn", "wsis.panel.winner_selected", "wsis.panel.winners_announced"},
    topology.IN_CLOCK: {"wsis.clock.tick"},
}
# Readable events that must be answered at once (a nomination may wait for a
# verdict until the window's close: the last tick of the test passes it).
ANSWERED = {
    "wsis.submission.submitted": topology.OUT_SUBMISSION,
    "wsis.ballot.cast": topology.OUT_VOTING,
    "wsis.panel.nominated": topology.OUT_JUDGING,
    "wsis.panel.winner_selected": topology.OUT_JUDGING,
}
VOTING_READS = (topology.IN_BALLOTS, topology.IN_STAKEHOLDERS)
MIB = 1024 * 1024
SETTINGS = {"replay": "false", "block_ms": "50", "reclaim_idle_ms": "1000", "reclaim_every_ms": "250", "max_deliveries": "3",
            "notify_poll_seconds": "0.1"}


def ce(kind: str, event_id: str, at: str, data: dict) -> bytes:
    return json.dumps(cloudevent(kind, data, time_=at, id_=event_id, source="fuzz-valid")).encode()


def valid_events() -> list[tuple[str, bytes]]:
    """Valid events and their plain answers: entries received, a member's ballot out of the window, strangers' ballots."""
    events = [(topology.IN_SUBMISSIONS, ce("wsis.submission.submitted", f"valid-sub-{i}", "2021-01-10T10:00:00Z",
                                          submission(f"valid-{i}", entity={**submission()["entity"], "entity_id": f"valid-org-{i}"})))
              for i in range(20)]
    member = {"user_id": "valid-member", "username": "member", "email": "member@example.net",
              "organization": {"name": "Org", "type": "academia", "country": "CH"}}
    events.append((topology.IN_STAKEHOLDERS, ce("wsis.stakeholder.registered", "valid-reg", "2021-02-20T10:00:00Z", member)))
    events += [(topology.IN_BALLOTS, ce("wsis.ballot.cast", f"valid-stranger-{i}", "2021-03-05T10:00:00Z",
                                       {"voter_id": f"valid-stranger-{i}", "category": 4, "project_id": "valid-1"})) for i in range(20)]
    events.append((topology.IN_PANEL, ce("wsis.panel.nominated", "valid-nom", "2021-02-10T10:00:00Z",
                                        {"submission_id": "valid-1", "category": 4, "panel_member_id": "panel-1"})))
    return events


def oversized(stream: str) -> list[bytes]:
    big = "x" * (2 * MIB)
    return [big.encode(), b'{"specversion":"1.0","id":"big","source":"fuzz","type":"%s","time":"2021-01-10T10:00:00Z","data":{"title":"%s"}}'
            % (NATIVE[stream].encode(), big.encode()), b"[" * MIB + b"]" * MIB]


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[bytes]]:
    return {stream: draw_entries(stream, PER_STREAM, seed=n) for n, stream in enumerate(NATIVE)}


@pytest.fixture
def hostile(drawn: dict[str, list[bytes]], database_url: str | None) -> dict[str, list[bytes]]:
    """All of them on SQLite; on PostgreSQL the first PER_STREAM_POSTGRES (CI time: each
    NUL character there costs a failed batch and retries, see docs/reliability.md)."""
    count = PER_STREAM if database_url is None else min(PER_STREAM, PER_STREAM_POSTGRES)
    return {stream: entries[:count] + oversized(stream) for stream, entries in drawn.items()}


def interleave(hostile: dict[str, list[bytes]], valid: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    mixed = [(stream, raw) for stream, entries in hostile.items() for raw in entries]
    step = max(1, len(mixed) // (len(valid) + 1))
    for n, event in enumerate(valid):
        mixed.insert((n + 1) * step, event)
    return mixed


def test_hostile_entries_on_every_inbound_stream_are_refused_or_dead_lettered_and_nothing_stops(tmp_path: Path, hostile, database_url):
    system = System(tmp_path, **SETTINGS, **({"database_url": database_url} if database_url else {}))
    try:
        admin = system.start()
        system.settle()
        publish(admin, [(topology.IN_SUBMISSIONS, ce("wsis.submission.submitted", "warm-up", "2021-01-10T10:00:00Z", submission("warm-up")))], None)
        system.settle()
        pids, before = system.pids(), system.rss()

        mixed = interleave(hostile, valid_events())
        ids = []
        for start in range(0, len(mixed), 500):
            pipe = admin.pipeline(transaction=False)
            for stream, raw in mixed[start : start + 500]:
                pipe.xadd(stream, {"__data__": raw})
            ids += [entry_id.decode() for entry_id in pipe.execute()]
        publish(admin, [(topology.IN_BALLOTS, ce("wsis.ballot.cast", "valid-member-ballot", "2021-01-10T10:00:00Z",
                                                {"voter_id": "valid-member", "category": 4, "project_id": "valid-1"})),
                        (topology.IN_CLOCK, ce("wsis.clock.tick", "valid-tick", "2021-02-27T00:00:00Z", {}))], None)
        system.settle(timeout=900, still=3.0)
        after = system.rss()

        assert system.exits == [] and system.pids() == pids, system.exits
        check_answers(admin, list(zip(ids, mixed, strict=True)))
        check_valid_answers(admin)
        for name in SERVICES:  # generous: a batch of 2 MiB entries is held whole while it is read
            assert after[name] < before[name] + 768 * MIB, (name, before[name] // MIB, after[name] // MIB)
        print(f"\nRSS MiB before/after: { {n: (before[n] // MIB, after[n] // MIB) for n in SERVICES} }")
    finally:
        system.stop()


def check_answers(admin, published) -> None:  # type: ignore[no-untyped-def]
    dead = {(d["data"]["stream"], d["data"]["entry_id"]) for d in read(admin, topology.DEADLETTER)}
    answered = defaultdict(set)
    for stream in (topology.OUT_SUBMISSION, topology.OUT_VOTING, topology.OUT_JUDGING):
        for event in read(admin, stream):
            answered[stream].add(event.get("causationid"))
    missing, seen = [], set()
    for entry_id, (stream, raw) in published:
        event = parse_entry(raw)
        if isinstance(event, CloudEvent) and event.type in ACCEPTS[stream]:
            if (event.source, event.id) in seen:
                continue  # a repeat of an event seen before changes nothing (CONTRACT 1)
            seen.add((event.source, event.id))
        # Every reader holds the same JSON depth limit (shared.envelope.MAX_JSON_DEPTH): too deep is a dead letter everywhere.
        if not isinstance(event, CloudEvent) or event.type not in ACCEPTS[stream]:
            if (stream, entry_id) not in dead:
                missing.append(("no dead letter", stream, getattr(event, "error", "")[:60], raw[:200]))
        elif event.type in ANSWERED and event.id not in answered[ANSWERED[event.type]] and (stream, entry_id) not in dead:
            missing.append(("no answer", stream, event.type, raw[:200]))
    kinds = Counter(m[:3] for m in missing)
    assert not missing, f"{len(missing)} entries without an answer: {kinds.most_common(10)}; the first: {missing[:3]}"
    assert sum(len(raw) > MAX_ENTRY_BYTES for _, (_, raw) in published) >= 3 * len(NATIVE)


def check_valid_answers(admin) -> None:  # type: ignore[no-untyped-def]
    by_cause = {e.get("causationid"): e for s in (topology.OUT_SUBMISSION, topology.OUT_VOTING, topology.OUT_JUDGING) for e in read(admin, s)}
    for i in range(20):
        received = by_cause[f"valid-sub-{i}"]
        assert received["type"] == "wsis.submission.received" and received["data"]["revision"] == 1
        assert by_cause[f"valid-stranger-{i}"]["data"]["reason"] == "voter_unknown"
    assert by_cause["valid-member-ballot"]["data"]["reason"] == "voting_closed"  # known: the registration went through
    assert by_cause["valid-nom"]["type"] in ("wsis.nomination.recorded", "wsis.nomination.refused")
