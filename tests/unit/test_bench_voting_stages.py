"""The per-step voting benchmark keeps running against the service's code as it changes."""

from __future__ import annotations

from bench.voting import stages


def test_every_step_of_a_ballot_is_timed():
    best = stages.measure(ballots=1_000, members=300, batch=250, rounds=1)
    assert set(best) == set(stages.STEPS)
    assert all(0 < micros < 10_000 for micros in best.values())
