"""`ballots_root` (CONTRACT 5.2): known vectors computed here by hand with hashlib, proofs, orders."""

from __future__ import annotations

import hashlib

import pytest

from services.voting.domain import merkle


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_by_hand(ballot_id: str, category: int, project_id: str) -> bytes:
    return h((ballot_id + "\n" + str(category) + "\n" + project_id).encode("utf-8"))


A, B, C, D, E = (leaf_by_hand(f"b-{n}", 4, f"p-{n}") for n in range(1, 6))


def test_a_leaf_is_the_sha256_of_the_three_fields_on_lines():
    assert merkle.leaf("b-1", 4, "p-1") == A
    assert merkle.leaf("b-1", 4, "p-1").hex() == hashlib.sha256(b"b-1\n4\np-1").hexdigest()
    assert merkle.leaf("é", 12, "ü") == h("é\n12\nü".encode())


def test_the_root_of_no_votes_is_the_sha256_of_nothing():
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_the_root_of_one_vote_is_its_leaf():
    assert merkle.root([A]) == A


def test_two_leaves_pair_left_then_right():
    assert merkle.root([A, B]) == h(A + B)
    assert merkle.root([B, A]) == h(B + A) != merkle.root([A, B])


def test_an_odd_last_node_goes_up_unchanged():
    assert merkle.root([A, B, C]) == h(h(A + B) + C)
    assert merkle.root([A, B, C, D, E]) == h(h(h(A + B) + h(C + D)) + E)


def test_four_and_six_leaves():
    assert merkle.root([A, B, C, D]) == h(h(A + B) + h(C + D))
    F = leaf_by_hand("b-6", 4, "p-6")
    assert merkle.root([A, B, C, D, E, F]) == h(h(h(A + B) + h(C + D)) + h(E + F))


def test_a_known_vector_in_hex():
    # Three votes, their leaves and root written out with hashlib alone.
    leaves = [hashlib.sha256(text.encode()).digest() for text in ("a\n1\np", "b\n2\nq", "c\n3\nr")]
    expected = hashlib.sha256(hashlib.sha256(leaves[0] + leaves[1]).digest() + leaves[2]).hexdigest()
    assert merkle.root([merkle.leaf("a", 1, "p"), merkle.leaf("b", 2, "q"), merkle.leaf("c", 3, "r")]).hex() == expected


def test_leaves_are_ordered_by_ballot_id_in_code_points_not_by_a_locale():
    votes = [("b", B), ("B", A), ("é", D), ("e", C), ("Z", E)]
    # Upper case before lower case, "é" (U+00E9) after every ASCII letter.
    assert merkle.ordered(votes) == [A, E, B, C, D]


def test_two_ballots_with_one_id_follow_each_other_in_digest_order():
    low, high = sorted([A, B])
    assert merkle.ordered([("x", high), ("x", low)]) == [low, high]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33])
def test_every_leaf_has_a_proof_that_climbs_to_the_root(count):
    leaves = [leaf_by_hand(f"b-{n:03}", 1 + n % 18, f"p-{n}") for n in range(count)]
    top = merkle.root(leaves)
    for index, digest in enumerate(leaves):
        steps = merkle.proof(leaves, index)
        assert merkle.verify(digest, steps, top)
        assert len(steps) <= max(1, (count - 1).bit_length())


def test_a_proof_names_the_sibling_and_its_side():
    steps = merkle.proof([A, B, C], 2)
    assert steps == [merkle.Step(h(A + B), "left")]
    assert merkle.proof([A, B, C], 0) == [merkle.Step(B, "right"), merkle.Step(C, "right")]
    assert merkle.proof([A], 0) == []


def test_a_proof_fails_for_another_leaf_or_another_root():
    leaves = [A, B, C, D]
    steps = merkle.proof(leaves, 1)
    assert not merkle.verify(E, steps, merkle.root(leaves))
    assert not merkle.verify(B, steps, merkle.root([A, B, C]))


def test_a_proof_of_a_leaf_that_is_not_there_is_refused():
    with pytest.raises(IndexError):
        merkle.proof([A], 1)
