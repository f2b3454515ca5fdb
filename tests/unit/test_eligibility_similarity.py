"""S4's building blocks: normalising, exact fingerprints, MinHash signatures and LSH bands."""

from __future__ import annotations

import numpy as np
import pytest

from services.eligibility.domain import similarity as sim
from services.eligibility.domain.entry import (
    EntryRevision,
    content_of,
    fingerprint,
    word_count,
    words_of,
)
from tests.support.factories import submission
from tests.support.texts import ENGLISH

ADDED = " In 2021 the programme will reach twelve more villages in the eastern region with the regional government."


def content(title: str, description: str) -> str:
    data = submission("s", title=title, short_description=description, received_at="2021-01-10T10:00:00Z", revision=1)
    return content_of(EntryRevision.model_validate(data))


def similarity(a: str, b: str) -> float:
    return sim.jaccard(sim.shingles(a, 2), sim.shingles(b, 2))


def reworded(text: str, every: int) -> str:
    out = text.split()
    for i in range(0, len(out), every):
        out[i] = "various"
    return " ".join(out)


def test_words_ignore_case_spacing_and_punctuation():
    assert words_of("  E-Health:  the FUTURE,\tnow! ") == ["e", "health", "the", "future", "now"]
    assert word_count("  E-Health:  the FUTURE,\tnow! — ") == 4


def test_an_exact_copy_has_the_same_fingerprint_whatever_its_case_spacing_and_punctuation():
    original = content("Digital Villages", ENGLISH[0])
    copied = content("digital  villages.", ENGLISH[0].upper().replace(",", " ").replace(". ", " ;  "))
    assert fingerprint(copied) == fingerprint(original)
    assert fingerprint(content("Digital Villages", ENGLISH[0] + " More.")) != fingerprint(original)


def test_the_title_and_description_are_not_run_together():
    assert fingerprint(content("Digital", "villages " + ENGLISH[0])) != fingerprint(content("Digital villages", ENGLISH[0]))


@pytest.mark.parametrize(
    ("change", "near"),
    [(lambda t: t + ADDED, True), (lambda t: reworded(t, 10), True), (lambda t: reworded(t, 6), True), (lambda t: reworded(t, 3), False)],
    ids=["a sentence added", "one word in ten reworded", "one word in six reworded", "one word in three reworded"],
)
def test_near_copies_reach_the_threshold_and_rewrites_do_not(change, near):
    original = content("Digital Villages", ENGLISH[0])
    assert (similarity(original, content("Digital Villages", change(ENGLISH[0]))) >= 0.4) is near


def test_different_projects_on_similar_themes_are_far_below_the_threshold():
    pairs = [(a, b) for a in ENGLISH for b in ENGLISH if a < b]
    assert max(similarity(content("P", a), content("Q", b)) for a, b in pairs) < 0.05


def test_signatures_are_deterministic_and_estimate_the_similarity():
    a = sim.shingles(content("Digital Villages", ENGLISH[0]), 2)
    b = sim.shingles(content("Digital Villages", ENGLISH[0] + ADDED), 2)
    sa, sb = sim.signature(a, 128), sim.signature(b, 128)
    assert np.array_equal(sa, sim.signature(set(a), 128)) and sa.dtype == np.uint32
    assert np.array_equal(sim.from_bytes(sim.to_bytes(sa)), sa)
    assert abs(float(np.mean(sa == sb)) - sim.jaccard(a, b)) < 0.15


def test_the_band_layout_finds_nine_in_ten_pairs_at_the_threshold():
    layout = sim.band_layout(0.4, 128)
    assert (layout.bands, layout.rows) == (42, 3)
    assert layout.recall(0.4) >= 0.9 and layout.recall(0.6) > 0.999 and layout.recall(0.05) < 0.01


def test_a_near_copy_shares_a_band_and_an_unrelated_entry_does_not():
    layout = sim.band_layout(0.4, 128)

    def keys(text: str) -> set[int]:
        return set(sim.band_keys(sim.signature(sim.shingles(content("T", text), 2), 128), layout))

    original = keys(ENGLISH[0])
    assert len(original) == 42
    assert original & keys(ENGLISH[0] + ADDED)
    assert not original & keys(ENGLISH[1])
    assert all(0 <= k < 2**63 for k in original)
