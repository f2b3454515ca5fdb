"""`ballots_root` (CONTRACT 5.2): a SHA-256 Merkle tree over the votes that count. Pure.

A vote's leaf is SHA-256 of the UTF-8 text `ballot_id + "\\n" + str(category)
+ "\\n" + project_id`; leaves are ordered by `ballot_id` (Unicode code
points, which is Python's `str` order and UTF-8's byte order); each level
pairs neighbours left to right into SHA-256(left + right) of their 32 raw
bytes, and an odd last node goes up unchanged; the root of no votes is
SHA-256 of nothing. Two ballots may share an id (two sources): their leaves
then follow each other in digest order, so the root stays one function of
the set of votes.

The leaf is hashed once, when the vote is stored (`leaf`); a report folds
the ordered leaves (`root`). The pairing is positional, so a vote inserted
in the middle changes every node to its right: a fold per report costs
about as much as keeping the tree up to date through a week of inserts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256
from typing import Literal, NamedTuple

EMPTY = sha256(b"").digest()
Side = Literal["left", "right"]


class Step(NamedTuple):
    """One level of a proof: the sibling's digest, and on which side of the path it sits."""

    sibling: bytes
    side: Side


def leaf(ballot_id: str, category: int, project_id: str) -> bytes:
    return sha256(f"{ballot_id}\n{category}\n{project_id}".encode()).digest()


def ordered(votes: Iterable[tuple[str, bytes]]) -> list[bytes]:
    """The leaves of (ballot_id, leaf) pairs in the contract's order."""
    return [digest for _, digest in sorted(votes)]


def _up(level: Sequence[bytes]) -> list[bytes]:
    pairs = [sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        pairs.append(level[-1])
    return pairs


def root(leaves: Sequence[bytes]) -> bytes:
    """The root of ordered leaves (raw 32-byte digests)."""
    if not leaves:
        return EMPTY
    level = leaves
    while len(level) > 1:
        level = _up(level)
    return level[0]


def proof(leaves: Sequence[bytes], index: int) -> list[Step]:
    """The siblings from the leaf at `index` up to the root; a level where it goes up alone adds none."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"no leaf {index} among {len(leaves)}")
    steps: list[Step] = []
    level = leaves
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            steps.append(Step(level[sibling], "left" if sibling < index else "right"))
        level, index = _up(level), index // 2
    return steps


def climb(digest: bytes, steps: Iterable[Step]) -> bytes:
    """The root a leaf and its proof lead to."""
    for sibling, side in steps:
        digest = sha256(sibling + digest if side == "left" else digest + sibling).digest()
    return digest


def verify(digest: bytes, steps: Iterable[Step], expected_root: bytes) -> bool:
    return climb(digest, steps) == expected_root
