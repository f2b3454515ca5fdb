"""The count of a consumer's next read: about `budget` bytes a batch, whatever the entries' sizes."""

from __future__ import annotations

import pytest

from shared import bus
from shared.envelope import MAX_ENTRY_BYTES
from shared.reading import ENTRY_OVERHEAD, ReadBudget, fields_size, sizes_of
from shared.settings import Settings

MiB = 1024 * 1024


def test_the_first_read_assumes_entries_of_the_contracts_largest_size():
    assert ReadBudget(16 * MiB, 500).count == 16 * MiB // MAX_ENTRY_BYTES
    assert ReadBudget(16 * MiB, 4).count == 4
    assert ReadBudget(64 * 1024, 500).count == 1


def test_full_batches_of_small_entries_double_the_count_up_to_the_most():
    budget = ReadBudget(16 * MiB, 500)
    counts = [budget.observe([300] * budget.count) for _ in range(8)]
    assert counts == [32, 64, 128, 256, 500, 500, 500, 500]


def test_a_batch_that_was_not_full_does_not_grow_the_count():
    budget = ReadBudget(16 * MiB, 500)
    assert budget.observe([300] * 3) == 16


def test_big_entries_shrink_the_count_at_once_to_what_the_budget_holds():
    budget = ReadBudget(16 * MiB, 4000)
    for _ in range(12):
        budget.observe([300] * budget.count)
    assert budget.count == 4000
    assert budget.observe([300, 2 * MiB, 300]) == 8
    assert budget.observe([3 * MiB] * 8) == 5
    assert budget.observe([40 * MiB]) == 1  # one entry larger than the budget: read alone


def test_after_big_entries_small_ones_earn_the_count_back_batch_by_batch():
    budget = ReadBudget(16 * MiB, 4000)
    budget.observe([2 * MiB] * 16)
    counts = [budget.observe([300] * budget.count) for _ in range(6)]
    assert counts == [16, 32, 64, 128, 256, 512]  # each doubling: a full batch, the remembered largest halved


@pytest.mark.parametrize("count", [1, 7, 500])
def test_a_batch_read_at_the_count_holds_about_the_budget_or_one_entry(count):
    budget = ReadBudget(16 * MiB, 500)
    budget.observe([MiB // 3] * budget.count)
    size = 3 * MiB + count
    budget.observe([size] * budget.count)
    assert budget.count * size <= 16 * MiB < (budget.count + 1) * size


def test_an_empty_read_changes_nothing():
    budget = ReadBudget(16 * MiB, 500)
    assert budget.observe([]) == budget.count == 16


def test_an_entry_is_measured_by_its_bytes_as_read():
    entries = [bus.Entry("s", "1-0", b"x" * 100), bus.Entry("s", "2-0", None)]
    assert sizes_of(entries) == [ENTRY_OVERHEAD + 100, ENTRY_OVERHEAD]
    assert fields_size({b"__data__": b"x" * 100, b"other": b"y" * 10}) == ENTRY_OVERHEAD + 8 + 100 + 5 + 10


def test_the_budget_is_16_mib_unless_set_and_never_below_64_kib(monkeypatch):
    assert Settings().batch_bytes == 16 * MiB
    monkeypatch.setenv("WSIS_BATCH_BYTES", str(4 * MiB))
    assert Settings().batch_bytes == 4 * MiB
    with pytest.raises(ValueError, match="batch_bytes"):
        Settings(batch_bytes=1000)
