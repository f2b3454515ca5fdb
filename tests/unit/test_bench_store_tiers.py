"""bench.store_tiers compares like with like: both stores end with the same ballots and votes."""

from __future__ import annotations

from bench import store_tiers


def test_one_table_and_two_tiers_store_the_same_ballots_and_votes():
    _, one = store_tiers.run(3 * store_tiers.BATCH, None)
    _, two = store_tiers.run(3 * store_tiers.BATCH, 2 * store_tiers.BATCH)  # a fold, then a batch left in the small tier

    assert one == two
    assert one[0] == 3 * store_tiers.BATCH
    assert 0 < one[1] <= one[0]
