"""Kill every service at random moments, restart the server: the contest comes out the same.

A contest of over 100,000 ballots is played twice from the same seed: once
undisturbed, once while each service is SIGKILLed three times at seeded
moments (and started again) and the Valkey server itself is restarted
(append-only persistence) in the middle. Every outbound event, by id and
content, every tally, the winners and every email must be identical.
`WSIS_SCENARIO_VOTERS` scales it down for a quick look (each member casts
one ballot a category).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shared import topology
from tests.support.contest import contest
from tests.support.driver import Faults, outcome, play
from tests.support.systems import SERVICES, System

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]
VOTERS = int(os.environ.get("WSIS_SCENARIO_VOTERS", "5600"))
SEED = int(os.environ.get("WSIS_SCENARIO_SEED", "2021"))
SETTINGS = {
    "replay": "true", "block_ms": "50", "reclaim_idle_ms": "2000", "reclaim_every_ms": "250",
    # a kill mid-batch counts a delivery: no entry may be dead-lettered for the faults alone
    "max_deliveries": "25",
    "notify_poll_seconds": "0.05", "notify_send_timeout_seconds": "2", "notify_lease_after_seconds": "5",
}


def run(root: Path, faults: Faults | None = None) -> tuple[dict, dict[str, float], System]:
    system = System(root, **SETTINGS)
    try:
        timeline = play(system, contest(VOTERS, SEED), faults)
        return outcome(system), timeline, system
    finally:
        system.stop()


def results(found: dict) -> tuple[dict, dict, dict]:
    """(tally by category, winner by category, awards) as the system published them."""
    closed = [json.loads(e) for e in found[topology.OUT_VOTING].values() if '"wsis.voting.closed"' in e]
    (awards,) = [json.loads(e)["data"] for e in found[topology.OUT_JUDGING].values() if '"wsis.awards.announced"' in e]
    tally = {c["category"]: c["tally"] for c in closed[0]["data"]["categories"]}
    winners = {json.loads(e)["data"]["category"]: json.loads(e)["data"]["submission_id"] for e in found[topology.SEALED_JUDGING].values()}
    return tally, winners, awards


def test_a_contest_played_through_crashes_and_a_server_restart_comes_out_the_same(tmp_path):
    calm, calm_timeline, _ = run(tmp_path / "calm")
    faults = Faults.seeded(SEED, calm_timeline)
    stormy, stormy_timeline, system = run(tmp_path / "stormy", faults)
    print(f"\nundisturbed run {sum(calm_timeline.values()):.0f}s; with faults {sum(stormy_timeline.values()):.0f}s;"
          f" faults (s, phase, what) {faults.done}; exits {system.exits}")

    assert len(faults.done) == faults.planned == 3 * len(SERVICES) + 1
    assert all(system.starts[name] >= 4 for name in SERVICES), system.starts
    assert all(calm[stream] for stream in (*topology.OUTBOUND, topology.DEADLETTER, "mail"))
    ballots = sum(1 for e in calm[topology.OUT_VOTING].values() if '"wsis.vote.' in e)
    assert ballots >= min(100_000, VOTERS * 18)
    tally, winners, awards = results(calm)
    assert len(tally) == 18 and len(winners) == 18 and len(awards["categories"]) == 18
    assert results(stormy) == (tally, winners, awards)
    for stream in (*topology.OUTBOUND, topology.DEADLETTER, "mail"):
        missing = sorted(set(calm[stream]) - set(stormy[stream]))[:5]
        extra = sorted(set(stormy[stream]) - set(calm[stream]))[:5]
        changed = [k for k in calm[stream] if k in stormy[stream] and calm[stream][k] != stormy[stream][k]][:5]
        assert not (missing or extra or changed), (stream, missing, extra, [(calm[stream][k], stormy[stream][k]) for k in changed])
