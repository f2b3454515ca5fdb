"""S4's signatures are datasketch's MinHash, value for value, without importing datasketch at start.

Stored signatures and band keys must not change: the index of a running
contest is only rebuilt when the S4 parameters change.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from services.eligibility.adapters import language
from services.eligibility.domain import similarity as sim

WORDS = [f"word{i}" for i in range(400)]


def datasketch_signature(grams: set[str], num_perm: int) -> np.ndarray:
    sketch = MinHash(num_perm=num_perm, seed=sim.SEED, scheme=sim.SCHEME)
    sketch.update_batch([g.encode() for g in sorted(grams)])
    return sketch.hashvalues.astype(np.uint32)


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_signatures_are_datasketchs_minhash(num_perm):
    draw = random.Random(num_perm)
    for size in (0, 1, 2, 7, 150, 600):
        grams = {" ".join(draw.sample(WORDS, 2)) for _ in range(size)} | ({"é ü 中文"} if size == 7 else set())
        mine = sim.signature(grams, num_perm)
        assert mine.dtype == np.uint32 and np.array_equal(mine, datasketch_signature(grams, num_perm))


def test_the_detectors_languages_are_written_out_as_they_are_in_its_model():
    assert language.LABELS == list(language.identifier().labels)
